import ArgumentParser
import Foundation

/// `fractalmidi study`: measured comparisons of model designs, trained and evaluated alike.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Train and measure several variants of a model alike, and report the comparison.",
        subcommands: [StudyPatchSizesCommand.self]
    )
}

/// `fractalmidi study patch-sizes`: one arm per leaf patch size, each trained for the same
/// budget and measured the same way, compared in `DIR/report.md`, `report.json` and `chart.png`.
struct StudyPatchSizesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch-sizes",
        abstract: "Train one model per leaf patch size for the same budget and compare their speed, memory and music.",
        discussion: """
            For each size, the hierarchy `plan --patch-sizes` derives from --config (its widths, \
            depths and inner level ratios kept) is trained on --train-data for the same budget \
            (--steps N optimizer steps, or --minutes M of training), then measured alike: \
            training step time, examples/s and peak memory, validation bits per cell on --val-data \
            beside that music's baseline, the time to sample one 8-bar roll, --pieces generated \
            8-bar pieces against as many real 8-bar excerpts of --val-data (the statistics of \
            `eval --generated`), and how often notes end exactly on a level-0 or level-1 patch \
            border. A size without a valid hierarchy is reported with the reason; the others \
            still run. DIR/arms/patch-N/ holds each arm's run (checkpoints, log.jsonl), pieces and \
            picture. Run the same command again to continue: unfinished arms resume from their \
            latest checkpoints and finished arms are reused. Ctrl-C or SIGTERM writes a checkpoint \
            and stops (exit status 130 or 143).
            """
    )

    @Option(help: ArgumentHelp("The YAML configuration the arms are derived from.", valueName: "file"))
    var config: String

    @Option(help: ArgumentHelp("Comma-separated leaf patch sizes, e.g. 2,4,8,16.", valueName: "sizes"))
    var sizes: PatchSizeList

    @Option(help: ArgumentHelp("Training music: a file list or a folder.", valueName: "list"))
    var trainData: String

    @Option(help: ArgumentHelp("Validation music: a file list or a folder (bits per cell and the real excerpts).", valueName: "list"))
    var valData: String

    @Option(help: ArgumentHelp("Optimizer steps per arm (the schedule's length).", valueName: "n"))
    var steps: Int?

    @Option(help: ArgumentHelp("Minutes of training per arm (the schedule keeps the config's training.max_steps).", valueName: "m"))
    var minutes: Double?

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The study folder (created if missing; reused to resume).", valueName: "dir"))
    var output: String

    @Option(help: ArgumentHelp("Generated pieces and real excerpts per arm.", valueName: "n"))
    var pieces = 32

    @Option(help: ArgumentHelp("Compute threads (default: every core).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        guard (steps == nil) != (minutes == nil) else {
            throw ValidationError("give the budget per arm as either --steps N or --minutes M, not \(steps == nil ? "neither" : "both")")
        }
        if let steps, steps < 1 { throw ValidationError("--steps \(steps) must be at least 1") }
        if let minutes, !(minutes > 0 && minutes.isFinite) { throw ValidationError("--minutes \(minutes) must be a positive number, e.g. 90") }
        guard pieces >= 1 else { throw ValidationError("--pieces \(pieces) must be at least 1") }
        if let threads, threads < 0 { throw ValidationError("--threads \(threads) must be 0 (every core) or more") }
    }

    func run() throws {
        let budget: StudyBudget = if let steps { .steps(steps) } else { .minutes(minutes!) }
        let study = try PatchSizeStudy(
            configPath: config, sizes: sizes.sizes, trainData: trainData, valData: valData, budget: budget,
            folder: URL(fileURLWithPath: output, isDirectory: true), pieceCount: pieces, threads: threads)
        try study.run()
    }
}

/// Leaf patch sizes as `--sizes` gives them: comma-separated whole numbers, at least one, no
/// size twice.
struct PatchSizeList: ExpressibleByArgument, Equatable {
    /// The sizes in the order given.
    let sizes: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var sizes: [Int] = []
        for part in parts {
            guard let size = Int(part), size > 0, !sizes.contains(size) else { return nil }
            sizes.append(size)
        }
        guard !sizes.isEmpty else { return nil }
        self.sizes = sizes
    }

    var defaultValueDescription: String { sizes.map(String.init).joined(separator: ",") }
}

/// How long each arm of a study trains.
enum StudyBudget: Codable, Equatable, CustomStringConvertible {
    /// This many optimizer steps (also the length of the learning-rate schedule).
    case steps(Int)
    /// This many minutes of training (the schedule keeps the config's `training.max_steps`).
    case minutes(Double)

    private enum CodingKeys: String, CodingKey {
        case steps, minutes
    }

    /// `{"steps": N}` or `{"minutes": M}`.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let steps = try container.decodeIfPresent(Int.self, forKey: .steps) {
            self = .steps(steps)
        } else {
            self = .minutes(try container.decode(Double.self, forKey: .minutes))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .steps(let steps): try container.encode(steps, forKey: .steps)
        case .minutes(let minutes): try container.encode(minutes, forKey: .minutes)
        }
    }

    var description: String {
        switch self {
        case .steps(let steps): "\(steps) steps"
        case .minutes(let minutes): String(format: "%g minutes", minutes)
        }
    }
}
