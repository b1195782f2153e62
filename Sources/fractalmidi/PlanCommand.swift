import ArgumentParser
import FractalModel
import Foundation

/// `fractalmidi plan`: the computed size and cost of the model a config describes, per
/// level (grid, tokens, parameters, FLOPs, memory), or the trade-offs of other leaf patch sizes.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print a config's per-level grid, tokens, parameters, FLOPs and memory.",
        discussion: """
            With --patch-sizes, derives a hierarchy for each leaf patch size (keeping the config's \
            levels and inner ratios) and compares tokens, parameters, FLOPs and attention memory.
            """
    )

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    @Option(name: .long, help: "Roll width in steps the model is built for (default: the config's data.crop_length).")
    var width: Int?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value, e.g. --set training.max_steps=10 (repeatable).", valueName: "section.key=value"))
    var overrides: [String] = []

    @Option(name: .long, help: ArgumentHelp("Comma-separated leaf patch sizes to compare, e.g. 2,4,8,16.", valueName: "sizes"))
    var patchSizes: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let loaded = try FractalConfig.load(contentsOf: URL(fileURLWithPath: config), overrides: overrides)
        for warning in loaded.warnings {
            FileHandle.standardError.write(Data("\(warning)\n".utf8))
        }
        if let patchSizes {
            let sizes = try parsePatchSizes(patchSizes)
            let comparison = try PatchSizeComparison(config: loaded.config, width: width, patchSizes: sizes)
            print(json ? comparison.json() : comparison.table(title: config))
        } else {
            let plan = try FractalPlan(config: loaded.config, width: width)
            print(json ? plan.json() : plan.table(title: config))
        }
    }

    private func parsePatchSizes(_ text: String) throws(PlanError) -> [Int] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var sizes: [Int] = []
        for part in parts {
            guard let size = Int(part) else {
                throw PlanError("--patch-sizes \(text): \(part) is not a whole number; write e.g. --patch-sizes 2,4,8,16")
            }
            sizes.append(size)
        }
        guard !sizes.isEmpty else {
            throw PlanError("--patch-sizes is empty; write e.g. --patch-sizes 2,4,8,16")
        }
        return sizes
    }
}
