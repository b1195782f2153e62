import Engine
import Evaluation
import FileWriting
import Foundation
import ModelStore
import Training

/// The comparison of a patch-size study's arms: `report.md` for people, `report.json` with
/// the same numbers, and `chart.png` with every arm's validation curve against steps and
/// against training time.
///
/// Quality is compared three ways: at the end of each arm's budget; at equal steps (each arm's
/// last validation at or before the fewest steps any arm reached); and at equal time (each
/// arm's last validation within the least stepping time any arm spent, time being steps × the
/// arm's median seconds per step, see ``PatchSizeArmResult/curveAtMedianRate``).
struct PatchSizeReport: Encodable {
    static let markdownName = "report.md"
    static let jsonName = "report.json"
    static let chartName = "chart.png"

    /// One arm's validation result at a common point of the comparison.
    struct CommonPoint: Encodable, Equatable {
        var patchSize: Int
        /// The arm's validation at that point (nil when it had none yet).
        var point: TrainingCurve.Point?
    }

    var config: String
    var budget: String
    var trainData: String
    var valData: String
    var pieces: Int
    var threads: Int
    var cpu: String
    var date: String
    var configImgSizeList: [Int]
    var arms: [PatchSizeArmResult]
    var impossible: [PatchSizeStudy.ImpossibleSize]
    /// The fewest steps any arm reached, and each arm's validation there.
    var equalSteps: Int
    var atEqualSteps: [CommonPoint]
    /// The least stepping time any arm spent (at its median rate), and each arm's validation within it.
    var equalSeconds: Double
    var atEqualTime: [CommonPoint]

    /// The report of `study`'s arms measured as `results`.
    init(study: PatchSizeStudy, results: [PatchSizeArmResult]) {
        config = study.configPath
        budget = study.budget.description
        trainData = study.config.data.trainData ?? ""
        valData = study.valData
        pieces = study.pieceCount
        threads = Engine.threadCount
        cpu = Self.processorName()
        date = ISO8601DateFormatter().string(from: Date())
        configImgSizeList = study.config.model.imgSizeList
        arms = results
        impossible = study.impossible
        let steps = results.map(\.steps).min() ?? 0
        let seconds = results.map(\.steppingSecondsAtMedianRate).min() ?? 0
        let curves = results.map { (patch: $0.patchSize, curve: TrainingCurve(points: $0.curveAtMedianRate)) }
        equalSteps = steps
        equalSeconds = seconds
        atEqualSteps = curves.map { CommonPoint(patchSize: $0.patch, point: $0.curve.point(atStep: steps)) }
        atEqualTime = curves.map { CommonPoint(patchSize: $0.patch, point: $0.curve.point(withinSeconds: seconds)) }
    }

    /// Writes the three files into `folder`, each through a temporary file.
    func write(into folder: URL) throws {
        do {
            try AtomicFile.write(Data(markdown.utf8), to: folder.appendingPathComponent(Self.markdownName))
        } catch {
            throw StudyError("\(error)")
        }
        try PatchSizeStudy.writeJSON(self, to: folder.appendingPathComponent(Self.jsonName))
        let chart = LearningCurveChart(curves: arms.map { arm in
            LearningCurveChart.Curve(label: "PATCH \(arm.patchSize)", points: arm.curveAtMedianRate.map {
                LearningCurveChart.Point(step: $0.step, seconds: $0.seconds, bitsPerCell: $0.bitsPerCell)
            })
        })
        try chart.writeChart(to: folder.appendingPathComponent(Self.chartName))
    }

    /// The arm the speed ratios are relative to: the config's own leaf patch when it is an
    /// arm, else the first arm.
    var reference: PatchSizeArmResult? {
        arms.first { $0.imgSizeList == configImgSizeList } ?? arms.first
    }

    /// The report for people.
    var markdown: String {
        var lines: [String] = []
        lines.append("# Patch-size study")
        lines.append("")
        lines.append("`fractalmidi study patch-sizes --config \(config)`, \(budget) per arm; training music `\(trainData)`, "
            + "validation music and real excerpts `\(valData)`; \(pieces) generated 8-bar pieces per arm against \(pieces) real "
            + "8-bar excerpts; \(threads) threads on \(cpu); report written \(date).")
        lines.append("")
        for size in impossible {
            lines.append("- patch \(size.patchSize): no arm — \(size.reason)")
        }
        if !impossible.isEmpty { lines.append("") }
        let base = reference
        lines.append("## Planned cost (`fractalmidi plan`)")
        lines.append("")
        lines.append("| patch | hierarchy | tokens per level | parameters | training GFLOP per roll | sampling GFLOP per roll | attention kept for backward per roll |")
        lines.append("|---|---|---|---|---|---|---|")
        for arm in arms {
            lines.append("| \(arm.patchSize) | \(PatchSizeStudy.listText(arm.imgSizeList)) | "
                + arm.tokensPerLevel.map(String.init).joined(separator: " / ")
                + String(format: " | %.2f M (%.2f×) | %.1f (%.2f×) | %.1f (%.2f×) | %.1f MiB |", Double(arm.parameters) / 1e6,
                         arm.parameterRatio, arm.plannedTrainingFlops / 1e9, arm.trainingFlopsRatio,
                         arm.plannedSamplingFlops / 1e9, arm.samplingFlopsRatio, arm.plannedAttentionBytes / 1_048_576))
        }
        lines.append("")
        lines.append("Ratios are to the hierarchy of `\(config)` (\(PatchSizeStudy.listText(configImgSizeList))).")
        lines.append("")
        lines.append("## Measured speed and memory")
        lines.append("")
        let baseLabel = base.map { "patch \($0.patchSize)" } ?? "-"
        lines.append("| patch | steps | seconds per step | examples/s | speed vs \(baseLabel) | training time (wall clock) | peak memory | sample one 8-bar roll |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for arm in arms {
            var speed = "-"
            if let mine = arm.secondsPerStep, let theirs = base?.secondsPerStep { speed = String(format: "%.2f×", theirs / mine) }
            let memory = String(format: "%.0f MB", arm.peakMegabytes)
                + (arm.residentAtStartMegabytes.map { String(format: " (%.0f MB above the %.0f MB at its start)", arm.peakMegabytes - $0, $0) } ?? "")
                + (arm.peakIsPerArm ? "" : " (the process's peak)")
            lines.append("| \(arm.patchSize) | \(arm.steps) | \(Self.number(arm.secondsPerStep, "%.3f s")) | "
                + "\(Self.number(arm.examplesPerSecond, "%.2f")) | \(speed) | \(ProgressReporter.duration(arm.trainingSeconds)) | "
                + "\(memory) | \(String(format: "%.2f s", arm.sampleSeconds)) |")
        }
        lines.append("")
        lines.append("Seconds per step and examples/s are medians over the run log's windows; the machine may be shared, so compare the arms' ratios.")
        lines.append("")
        lines.append("## Validation bits per cell")
        lines.append("")
        lines.append(String(format: "| patch | at the end of the budget | share of the baseline | at equal steps (%d) | at equal time (%@ of stepping) |",
                            equalSteps, ProgressReporter.duration(equalSeconds)))
        lines.append("|---|---|---|---|---|")
        for (index, arm) in arms.enumerated() {
            lines.append(String(format: "| %d | %.4f | %.1f %% of %.4f | ", arm.patchSize, arm.validationBitsPerCell,
                                100 * arm.baselineShare, arm.baselineBitsPerCell)
                + Self.pointText(atEqualSteps[index].point) + " | " + Self.pointText(atEqualTime[index].point) + " |")
        }
        lines.append("")
        lines.append("Time is steps × the arm's median seconds per step, so that windows a shared machine slowed do not count against an arm.")
        lines.append("")
        lines.append("## Generated music against real music")
        lines.append("")
        let names = PatchSizeArmMeasurement.reportedStatistics.map(\.rawValue)
        lines.append("| patch | mean OA | " + names.map { "\($0): generated / real (OA)" }.joined(separator: " | ")
            + " | notes ending on level-0 / level-1 patch borders: generated / real |")
        lines.append("|---|---|" + names.map { _ in "---|" }.joined() + "---|")
        for arm in arms {
            let statistics = arm.statistics.map { entry in
                Self.number(entry.generatedMean, "%.2f") + " / " + Self.number(entry.referenceMean, "%.2f")
                    + " (" + Self.number(entry.overlappingArea, "%.3f") + ")"
            }
            let borders = arm.borderEndings.map { entry in
                String(format: "every %d steps: %.1f %% / %.1f %%", entry.period, 100 * entry.generatedShare, 100 * entry.referenceShare)
            }
            lines.append("| \(arm.patchSize) | \(Self.number(arm.meanOverlappingArea, "%.3f")) | " + statistics.joined(separator: " | ")
                + " | " + borders.joined(separator: "; ") + " |")
        }
        lines.append("")
        lines.append("The mean OA is over the 14 statistics of `eval --generated`; a note ends on a border when the step after it is a multiple of the level's patch width (notes cut by the piece's end are not counted).")
        lines.append("")
        lines.append("## Pictures")
        lines.append("")
        lines.append("![Validation bits per cell against steps and against training time](\(Self.chartName))")
        lines.append("")
        for arm in arms {
            lines.append("Patch \(arm.patchSize), generated piece 1:")
            lines.append("")
            lines.append("![patch \(arm.patchSize)](\(arm.picture))")
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    static func number(_ value: Double?, _ format: String) -> String {
        value.map { String(format: format, $0) } ?? "-"
    }

    static func pointText(_ point: TrainingCurve.Point?) -> String {
        point.map { String(format: "%.4f (step %d)", $0.bitsPerCell, $0.step) } ?? "- (no validation yet)"
    }

    /// The processor's model name (`/proc/cpuinfo`), or "an unknown processor".
    static func processorName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "an unknown processor" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
