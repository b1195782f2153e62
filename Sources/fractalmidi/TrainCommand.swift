import ArgumentParser
import Engine
import Foundation
import FractalModel
import ModelStore
import Training

/// `fractalmidi train`: trains the fractal model, or continues a run from its latest checkpoint.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the fractal model on MIDI files (or continue a run with --resume).",
        discussion: """
            The run folder receives log.jsonl (one JSON object per logged step and per \
            validation), checkpoints/ (step-NNNNNN/, best/ and a latest pointer; each holds \
            model.safetensors, optimizer.safetensors and state.json) and previews/. Ctrl-C or \
            SIGTERM writes a checkpoint and stops (exit status 130 or 143); --resume RUN \
            continues exactly where the run stopped. When resuming, the model keys of --config \
            must equal the checkpoint's; without --config the checkpoint's configuration is used. \
            --init-from CHECKPOINT starts a new run (step 0, a fresh optimizer and learning-rate \
            schedule) from another run's weights, e.g. to fine-tune the bundled model on your \
            own music or to switch on model.pitch_embedding for a trained model; the model keys \
            of --config must build the same tensors, and the styles are numbered as the \
            training music's file list names them, so keep the same styles.
            """
    )

    @Option(help: ArgumentHelp("The YAML configuration (optional with --resume).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("run"), help: ArgumentHelp("The run folder (default: --resume's folder, else logging.output_dir).", valueName: "dir"))
    var runFolder: String?

    @Option(help: ArgumentHelp("Training music: a file list or a folder (overrides data.train_data).", valueName: "list"))
    var trainData: String?

    @Option(help: ArgumentHelp("Validation music: a file list or a folder (overrides data.val_data).", valueName: "list"))
    var valData: String?

    @Option(help: ArgumentHelp("The number of optimizer steps (overrides training.max_steps).", valueName: "n"))
    var maxSteps: Int?

    @Option(help: ArgumentHelp("A run folder or checkpoint folder to continue from.", valueName: "dir"))
    var resume: String?

    @Option(name: .customLong("init-from"), help: ArgumentHelp("A run folder (its best checkpoint) or checkpoint folder whose weights start a new run.", valueName: "dir"))
    var initFrom: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A configuration override, e.g. training.learning_rate=3e-4 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: ArgumentHelp("Compute threads (overrides hardware.threads; 0 uses every core).", valueName: "n"))
    var threads: Int?

    func run() throws {
        var checkpoint: Checkpoint?
        if let resume {
            if initFrom != nil {
                throw TrainCommandError("--resume continues a run and --init-from starts a new one from its weights; give only one of them")
            }
            let folder = URL(fileURLWithPath: resume, isDirectory: true)
            // A run killed in the middle of a save may have left its best checkpoint moved
            // aside: put it back before choosing the checkpoint to continue from.
            CheckpointStore(run: folder).repair()
            checkpoint = try Checkpoint.load(from: folder)
        }
        if initFrom != nil, config == nil {
            throw TrainCommandError("--init-from needs the new run's configuration: add --config FILE (e.g. config/train_cpu.yaml)")
        }
        let weights = try initFrom.map { try Checkpoint.load(from: URL(fileURLWithPath: $0, isDirectory: true), choosing: .best) }
        let (config, warnings) = try loadConfiguration(checkpoint: checkpoint)
        for warning in warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        // Before the music is decoded: a mismatch is reported at once.
        try checkpoint?.checkModelKeys(of: config, configuration: self.config ?? "the checkpoint's configuration")
        Engine.setThreadCount(config.hardware.threads == 0 ? ThreadPool.availableCores : config.hardware.threads)
        let runPath = runFolder ?? resume ?? config.logging.outputDir
        let runURL = URL(fileURLWithPath: runPath, isDirectory: true)

        // Also before the music is decoded: weights that do not fit are reported at once.
        let model = FractalGenerativeModel(config: config, seed: UInt64(bitPattern: Int64(config.seed)))
        if let weights {
            let fresh = try weights.initializeParameters(of: model)
            let added = fresh.isEmpty ? "" : "; new parameters at their initial values: " + fresh.joined(separator: ", ")
            FileHandle.standardError.write(Data("train: weights from \(weights.directory.path) (step \(weights.state.step))\(added)\n".utf8))
        }
        let data = try TrainerData.load(config: config)
        let trainer = try Trainer(model: model, config: config, data: data, run: runURL, resumingFrom: checkpoint,
                                  configurationName: self.config ?? "the checkpoint's configuration")
        let validation = data.validation.map { ", \($0.songs.count) validation songs" } ?? ", no validation data"
        let start = checkpoint.map { " from step \($0.state.step)" } ?? ""
        FileHandle.standardError.write(Data(("train: \(model.parameterCount) parameters, \(data.train.songs.count) training songs"
            + "\(validation); \(runPath)\(start) to step \(config.training.maxSteps) on \(Engine.threadCount) threads\n").utf8))

        let monitor = SignalMonitor()
        let outcome = try trainer.train(stoppingOn: monitor)
        if case .interrupted(_, let signal) = outcome {
            Foundation.exit(SignalMonitor.exitStatus(for: signal))
        }
    }

    /// The configuration: `--config` (or, when resuming without it, the checkpoint's) with
    /// the flags and `--set` overrides applied.
    private func loadConfiguration(checkpoint: Checkpoint?) throws -> (FractalConfig, [ConfigWarning]) {
        var settings = overrides
        if let trainData { settings.append("data.train_data=\(Self.quoted(trainData))") }
        if let valData { settings.append("data.val_data=\(Self.quoted(valData))") }
        if let maxSteps { settings.append("training.max_steps=\(maxSteps)") }
        if let threads { settings.append("hardware.threads=\(threads)") }
        if let runFolder { settings.append("logging.output_dir=\(Self.quoted(runFolder))") }
        if let config {
            let loaded = try FractalConfig.load(contentsOf: URL(fileURLWithPath: config), overrides: settings)
            return (loaded.config, loaded.warnings)
        }
        guard let checkpoint else {
            throw TrainCommandError("give a configuration with --config FILE (e.g. config/train_tiny.yaml), or --resume RUN to continue a run")
        }
        let entries = checkpoint.state.config.map { ($0.key, $0.value) }
        let file = checkpoint.directory.appendingPathComponent(Checkpoint.stateFileName).path
        return (try FractalConfig(checkpointEntries: entries, file: file, overrides: settings), [])
    }

    /// `text` as a double-quoted YAML scalar.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// A `fractalmidi train` usage error, reported as one line.
struct TrainCommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
