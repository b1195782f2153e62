import Engine
import Evaluation
import FileWriting
import Foundation
import FractalModel
import ModelStore
import Training

/// `study patch-sizes`: one arm per leaf patch size, each derived from one config by
/// ``PatchHierarchy``, trained for the same budget on the same music and measured the same
/// way (``PatchSizeArmMeasurement``), then compared in a report (``PatchSizeReport``).
///
/// The study folder holds `reference/` (the real excerpts, cut once), `arms/patch-N/` per arm
/// (`run/` the trainer's run folder, `training.json` the training sessions' time and memory,
/// `pieces/`, `piece.png`, `result.json` once measured) and the report. Running it again
/// resumes: an arm whose `result.json` was measured for the same budget and piece count is
/// reused, any other continues from its latest checkpoint.
struct PatchSizeStudy {
    /// One patch size the config gives a hierarchy for.
    struct Arm {
        /// The leaf patch size.
        let patchSize: Int
        /// The arm's configuration: the derived hierarchy, the study's data and budget.
        let config: FractalConfig
        /// Its planned cost next to the config's own.
        let option: PatchSizeOption
        /// Its folder, `arms/patch-N`.
        let folder: URL

        /// The trainer's run folder (checkpoints, log.jsonl).
        var runFolder: URL { folder.appendingPathComponent("run", isDirectory: true) }
        /// The measurements, written once the arm is measured.
        var resultFile: URL { folder.appendingPathComponent("result.json") }
        /// The training sessions' time and memory (``TrainingSessions``).
        var sessionFile: URL { folder.appendingPathComponent("training.json") }
        /// How messages name the arm.
        var label: String { "patch \(patchSize)" }
    }

    /// A patch size the config gives no hierarchy for, and why.
    struct ImpossibleSize: Codable, Equatable {
        let patchSize: Int
        let reason: String
    }

    /// The config file the arms are derived from, as given.
    let configPath: String
    /// The config with the study's data and threads, validated.
    let config: FractalConfig
    /// The config's own plan (the yardstick of the planned ratios).
    let baseline: FractalPlan
    let arms: [Arm]
    let impossible: [ImpossibleSize]
    let valData: String
    let budget: StudyBudget
    let folder: URL
    let pieceCount: Int

    /// The length of the generated pieces and real excerpts: 8 bars of 16 steps.
    static let pieceSteps = 128

    /// A study of `sizes` derived from the config at `configPath`.
    ///
    /// - Throws: `ConfigError` for an unreadable or invalid config, `DataError` for a missing
    ///   music list or folder, `StudyError` when no size has a hierarchy.
    init(configPath: String, sizes: [Int], trainData: String, valData: String, budget: StudyBudget, folder: URL,
         pieceCount: Int, threads: Int?) throws {
        var settings = ["data.train_data=\(Self.quoted(trainData))", "data.val_data=\(Self.quoted(valData))"]
        if let threads { settings.append("hardware.threads=\(threads)") }
        if case .steps(let steps) = budget { settings.append("training.max_steps=\(steps)") }
        let loaded = try FractalConfig.load(contentsOf: URL(fileURLWithPath: configPath), overrides: settings)
        for warning in loaded.warnings {
            FileHandle.standardError.write(Data("\(warning)\n".utf8))
        }
        var config = loaded.config
        let training = config.training.maxSteps
        // Ten validations per schedule: the curves that equal-time comparisons read.
        config.logging.valCheckIntervalSteps = max(1, training / 10)
        config.logging.logEveryNSteps = min(config.logging.logEveryNSteps, config.logging.valCheckIntervalSteps)
        config.logging.checkpointEveryNSteps = min(config.logging.checkpointEveryNSteps, max(1, training / 4))
        config.logging.numImagesToLog = 0
        self.config = config
        baseline = try FractalPlan(config: config)
        var arms: [Arm] = [], impossible: [ImpossibleSize] = []
        for size in sizes {
            do {
                let option = try PatchSizeOption(patchSize: size, config: config, baseline: baseline)
                let variant = try PatchHierarchy.variant(of: config, leafPatch: size, width: baseline.width)
                _ = try variant.validate(file: "the patch-\(size) variant of \(configPath)")
                arms.append(Arm(patchSize: size, config: variant, option: option,
                                folder: folder.appendingPathComponent("arms/patch-\(size)", isDirectory: true)))
            } catch {
                impossible.append(ImpossibleSize(patchSize: size, reason: "\(error)"))
            }
        }
        guard !arms.isEmpty else {
            throw StudyError("--sizes \(sizes.map(String.init).joined(separator: ",")): no size has a hierarchy for \(configPath) ("
                + impossible.map { "\($0.patchSize): \($0.reason)" }.joined(separator: "; ") + ")")
        }
        // The music's lists and folders are checked now, before anything is printed or trained.
        _ = try MusicDataset(path: trainData)
        _ = try MusicDataset(path: valData)
        self.configPath = configPath
        self.arms = arms
        self.impossible = impossible
        self.valData = valData
        self.budget = budget
        self.folder = folder
        self.pieceCount = pieceCount
    }

    var referenceFolder: URL { folder.appendingPathComponent("reference", isDirectory: true) }

    /// Trains and measures every arm not finished yet, then writes the report.
    func run() throws {
        Engine.setThreadCount(config.hardware.threads == 0 ? ThreadPool.availableCores : config.hardware.threads)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var data: TrainerData?
        func trainingData() throws -> TrainerData {
            if let data { return data }
            let loaded = try TrainerData.load(config: config)
            data = loaded
            return loaded
        }
        let references = FileManager.default.fileExists(atPath: referenceFolder.path) ? PieceSet.midiFiles(under: referenceFolder) : []
        if references.count != pieceCount {
            try writeReference(data: trainingData())
        }
        for size in impossible {
            note("patch \(size.patchSize): no arm — \(size.reason)")
        }
        for (index, arm) in arms.enumerated() {
            note("arm \(index + 1)/\(arms.count), \(arm.label): hierarchy \(Self.listText(arm.config.model.imgSizeList)), "
                + "tokens per level \(arm.option.plan.levels.map(\.tokens).map(String.init).joined(separator: " / ")), "
                + "\(arm.option.plan.totalParameters) parameters")
        }
        var results: [PatchSizeArmResult] = []
        for (index, arm) in arms.enumerated() {
            if let result = reusableResult(of: arm) {
                note("arm \(index + 1)/\(arms.count), \(arm.label): measured earlier for \(budget); reusing it")
                results.append(result)
                continue
            }
            note("arm \(index + 1)/\(arms.count), \(arm.label): training for \(budget)")
            let session = try train(arm, data: trainingData())
            note("arm \(index + 1)/\(arms.count), \(arm.label): measuring")
            let measurement = PatchSizeArmMeasurement(arm: arm, study: self)
            let result = try measurement.measure(session: session)
            try Self.writeJSON(result, to: arm.resultFile)
            results.append(result)
        }
        let report = PatchSizeReport(study: self, results: results)
        try report.write(into: folder)
        print("wrote \(folder.appendingPathComponent(PatchSizeReport.markdownName).path), "
            + "\(PatchSizeReport.jsonName) and \(PatchSizeReport.chartName)")
    }

    /// The arm's saved result when it was measured for this budget, piece count and model.
    func reusableResult(of arm: Arm) -> PatchSizeArmResult? {
        guard let data = try? Data(contentsOf: arm.resultFile),
              let result = try? Self.decoder.decode(PatchSizeArmResult.self, from: data),
              result.budget == budget, result.pieceCount == pieceCount, result.imgSizeList == arm.config.model.imgSizeList,
              result.parameters == arm.option.plan.totalParameters
        else { return nil }
        return result
    }

    /// Cuts the real excerpts from the validation music of the training music's main style
    /// (the style the pieces are generated in) into `reference/`, replacing any earlier ones.
    private func writeReference(data: TrainerData) throws {
        guard let validation = data.validation else { throw StudyError("--val-data \(valData): no validation music was read") }
        var songs = validation
        if let style = Trainer.mostCommonStyle(of: data.train), let index = data.train.styles.firstIndex(of: style) {
            songs.songs = validation.songs.filter { $0.classIndex == Int32(index) }
        }
        let excerpts = try RealExcerpts(dataset: songs, steps: Self.pieceSteps, count: pieceCount, source: "--val-data \(valData)",
                                        fix: "give validation music with songs of at least 8 bars")
        let staging = folder.appendingPathComponent("reference.partial", isDirectory: true)
        try? FileManager.default.removeItem(at: staging)
        try excerpts.write(into: staging)
        try? FileManager.default.removeItem(at: referenceFolder)
        try FileManager.default.moveItem(at: staging, to: referenceFolder)
        note("real excerpts: \(excerpts.excerpts.count) of 8 bars from \(excerpts.songCount) songs of --val-data in \(referenceFolder.path)")
    }

    /// Trains `arm` until its budget is spent, continuing from its latest checkpoint, and
    /// returns its training sessions so far. A signal stops it with a checkpoint and exits
    /// 128 + signal.
    private func train(_ arm: Arm, data: TrainerData) throws -> TrainingSessions {
        var sessions = (try? Self.decoder.decode(TrainingSessions.self, from: Data(contentsOf: arm.sessionFile))) ?? TrainingSessions()
        let store = CheckpointStore(run: arm.runFolder)
        let checkpoint = try store.latestDirectory().map { try Checkpoint.load(from: $0) }
        var secondsLeft: Double?
        switch budget {
        case .steps(let steps):
            if let checkpoint, checkpoint.state.step >= steps { return sessions }
        case .minutes(let minutes):
            secondsLeft = minutes * 60 - sessions.seconds
            if secondsLeft! <= 0 { return sessions }
        }
        let model = FractalGenerativeModel(config: arm.config, seed: UInt64(bitPattern: Int64(arm.config.seed)))
        let trainer = try Trainer(model: model, config: arm.config, data: data, run: arm.runFolder, resumingFrom: checkpoint,
                                  configurationName: "the patch-\(arm.patchSize) variant of \(configPath)")
        BufferPool.drain()
        let exact = ResidentMemory.resetPeak()
        let resident = ResidentMemory.currentMegabytes
        let monitor = SignalMonitor()
        let now = DispatchTime.now()
        let start = now.uptimeNanoseconds
        let outcome = try trainer.train(stoppingOn: monitor, deadline: secondsLeft.map { now + $0 })
        sessions.add(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
                     peakMegabytes: ResidentMemory.peakMegabytes, residentAtStartMegabytes: resident, peakIsPerArm: exact)
        try Self.writeJSON(sessions, to: arm.sessionFile)
        if case .interrupted(_, let signal) = outcome {
            Foundation.exit(SignalMonitor.exitStatus(for: signal))
        }
        return sessions
    }

    /// A progress line on standard error, where the trainer's progress goes too.
    private func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// Writes `value` as JSON to `url` through a temporary file renamed over it.
    static func writeJSON(_ value: some Encodable, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw StudyError("cannot encode \(url.path) (\(error.localizedDescription))")
        }
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw StudyError("\(error)")
        }
    }

    /// `[128, 16, 4, 1]`.
    static func listText(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ", ") + "]"
    }

    /// `text` as a double-quoted YAML scalar.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// The training sessions of one arm so far (`training.json`): a study may train an arm over
/// several runs of the command.
struct TrainingSessions: Codable, Equatable {
    /// Wall-clock seconds of training, validation and checkpoints over all sessions.
    var seconds = 0.0
    /// The highest peak resident memory of a session, in MB.
    var peakMegabytes = 0.0
    /// The resident memory when that session's training began, in MB (the data and the
    /// earlier arms' leftovers; nil where it cannot be read).
    var residentAtStartMegabytes: Double?
    /// Whether that peak is the session's own (false: the process's lifetime peak, where the
    /// peak cannot be reset).
    var peakIsPerArm = true
    /// Sessions so far.
    var count = 0

    mutating func add(seconds: Double, peakMegabytes: Double, residentAtStartMegabytes: Double?, peakIsPerArm: Bool) {
        self.seconds += seconds
        count += 1
        if peakMegabytes >= self.peakMegabytes {
            self.peakMegabytes = peakMegabytes
            self.residentAtStartMegabytes = residentAtStartMegabytes
            self.peakIsPerArm = peakIsPerArm
        }
    }
}

/// A study that cannot go on: one line naming the problem and the fix.
struct StudyError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
