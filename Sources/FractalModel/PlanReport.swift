import Foundation

extension FractalPlan {
    /// The plan as a readable table: one row per level, the head, and the totals.
    public func table(title: String) -> String {
        var lines = ["\(title): rolls of 128 × \(width) steps"]
        let header = ["level", "type", "input", "patch", "grid", "tokens", "conds", "attn/matrix", "width", "blocks", "heads",
                      "params", "hand-down", "items/train", "train GFLOP", "sample GFLOP", "act MiB"]
        var rows: [[String]] = [header]
        for level in levels {
            rows.append([
                "\(level.level)", level.type.rawValue, "\(level.inputRows)×\(level.inputCols)", "\(level.patch)",
                "\(level.gridRows)×\(level.gridCols)", "\(level.tokens)", "\(level.conditionTokens)", "\(level.attentionEntries)",
                "\(level.width)", "\(level.blocks)", "\(level.heads)", "\(level.parameters)",
                format(level.handDownFraction, 4), format(level.trainingItems, 1),
                format(level.trainingFLOPsWithBackward / 1e9, 3), format(level.samplingFLOPs / 1e9, 3),
                format(level.activationBytes / 1_048_576, 1),
            ])
        }
        rows.append([
            "head", "cell", "1×1", "1", "1×1", "2", "1", "4", "\(head.width)", "\(head.blocks)", "\(head.heads)",
            "\(head.parameters)", "-", format(head.trainingCells, 1),
            format(3 * head.trainingForwardFLOPs / 1e9, 3), format(head.samplingFLOPs / 1e9, 3),
            format(head.activationBytes / 1_048_576, 1),
        ])
        rows.append([
            "total", "", "", "", "", "", "", "", "", "", "", "\(totalParameters)", "", "",
            format(trainingFLOPs / 1e9, 3), format(samplingFLOPs / 1e9, 3), format(activationBytes / 1_048_576, 1),
        ])
        lines += alignedTable(rows)
        lines.append("train GFLOP: forward + backward (3 × forward) per roll; sample GFLOP: one generated roll\(guided ? " with guidance (both branches)" : ""); act MiB: activations kept for backward per roll")
        return lines.joined(separator: "\n")
    }

    /// The plan as JSON: `{"width", "levels": [{"level", "type", "patch", "grid": [rows, cols],
    /// "tokens", "cond_tokens", "params", "train_gflops", "train_forward_gflops",
    /// "sample_gflops", ...}], "head_params", "total_params", ...}`; train_gflops counts
    /// forward and backward.
    public func json() -> String {
        encodeJSON(PlanJSON(self))
    }
}

extension LevelPlan {
    /// Forward plus backward FLOPs per training roll (3 × forward).
    public var trainingFLOPsWithBackward: Double { 3 * trainingForwardFLOPs }
}

extension PatchSizeComparison {
    /// The comparison as a readable table, one row per patch size.
    public func table(title: String) -> String {
        var lines = ["\(title): leaf patch sizes at rolls of 128 × \(baseline.width) steps (ratios against the config's own model)",
                     "hierarchy rule: keep the config's levels and inner ratios, put the leaf patch at img_size_list[-2], level 0 takes the rest"]
        var rows: [[String]] = [["patch", "img_size_list", "tokens/level", "params", "params ×", "train ×", "sample ×",
                                 "attention MiB", "leaf patch"]]
        for option in options {
            rows.append([
                "\(option.patchSize)", option.imgSizeList.yamlText,
                option.plan.levels.map { "\($0.tokens)" }.joined(separator: ", "),
                "\(option.plan.totalParameters)", format(option.parameterRatio, 3), format(option.trainingFLOPsRatio, 3),
                format(option.samplingFLOPsRatio, 3), format(option.plan.attentionBytes / 1_048_576, 1),
                "\(option.leafSemitones) semitones × \(format(option.leafSixteenths, option.leafSixteenths.rounded() == option.leafSixteenths ? 0 : 2)) 16ths",
            ])
        }
        lines += alignedTable(rows)
        lines.append("attention MiB: attention probabilities kept for backward per training roll")
        return lines.joined(separator: "\n")
    }

    /// The comparison as JSON: `{"width", "baseline_params", "options": [{"patch",
    /// "img_size_list", "tokens", "params", "param_ratio", "train_ratio", "sample_ratio",
    /// "attention_mib", "leaf_semitones", "leaf_sixteenths"}]}`.
    public func json() -> String {
        encodeJSON(ComparisonJSON(self))
    }
}

private struct PlanJSON: Encodable {
    struct Level: Encodable {
        let level: Int
        let type: String
        let patch: Int
        let grid: [Int]
        let tokens: Int
        let cond_tokens: Int
        let attention_entries: Int
        let params: Int
        let hand_down: Double
        let training_items: Double
        let sampling_items: Int
        let train_gflops: Double
        let train_forward_gflops: Double
        let sample_gflops: Double
        let activation_mib: Double
    }
    let width: Int
    let levels: [Level]
    let head_params: Int
    let head_train_gflops: Double
    let head_sample_gflops: Double
    let total_params: Int
    let train_gflops: Double
    let sample_gflops: Double
    let activation_mib: Double

    init(_ plan: FractalPlan) {
        width = plan.width
        levels = plan.levels.map {
            Level(level: $0.level, type: $0.type.rawValue, patch: $0.patch, grid: [$0.gridRows, $0.gridCols],
                  tokens: $0.tokens, cond_tokens: $0.conditionTokens, attention_entries: $0.attentionEntries,
                  params: $0.parameters, hand_down: $0.handDownFraction, training_items: $0.trainingItems,
                  sampling_items: $0.samplingItems, train_gflops: $0.trainingFLOPsWithBackward / 1e9,
                  train_forward_gflops: $0.trainingForwardFLOPs / 1e9, sample_gflops: $0.samplingFLOPs / 1e9,
                  activation_mib: $0.activationBytes / 1_048_576)
        }
        head_params = plan.head.parameters
        head_train_gflops = 3 * plan.head.trainingForwardFLOPs / 1e9
        head_sample_gflops = plan.head.samplingFLOPs / 1e9
        total_params = plan.totalParameters
        train_gflops = plan.trainingFLOPs / 1e9
        sample_gflops = plan.samplingFLOPs / 1e9
        activation_mib = plan.activationBytes / 1_048_576
    }
}

private struct ComparisonJSON: Encodable {
    struct Option: Encodable {
        let patch: Int
        let img_size_list: [Int]
        let tokens: [Int]
        let params: Int
        let param_ratio: Double
        let train_ratio: Double
        let sample_ratio: Double
        let attention_mib: Double
        let leaf_semitones: Int
        let leaf_sixteenths: Double
    }
    let width: Int
    let baseline_params: Int
    let options: [Option]

    init(_ comparison: PatchSizeComparison) {
        width = comparison.baseline.width
        baseline_params = comparison.baseline.totalParameters
        options = comparison.options.map {
            Option(patch: $0.patchSize, img_size_list: $0.imgSizeList, tokens: $0.plan.levels.map(\.tokens),
                   params: $0.plan.totalParameters, param_ratio: $0.parameterRatio, train_ratio: $0.trainingFLOPsRatio,
                   sample_ratio: $0.samplingFLOPsRatio, attention_mib: $0.plan.attentionBytes / 1_048_576,
                   leaf_semitones: $0.leafSemitones, leaf_sixteenths: $0.leafSixteenths)
        }
    }
}

private func encodeJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    // Encoding plain structs of numbers, strings and arrays cannot fail.
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

private func format(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// Rows padded into columns: the first column left-aligned, the others right-aligned.
private func alignedTable(_ rows: [[String]]) -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    var widths = Array(repeating: 0, count: columns)
    for row in rows {
        for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
        row.enumerated().map { index, cell in
            let padding = String(repeating: " ", count: widths[index] - cell.count)
            return index == 0 ? cell + padding : padding + cell
        }.joined(separator: "  ")
    }
}
