import Foundation

/// A generated set of pieces compared with a reference set, statistic by statistic (see
/// ``DistributionComparison``), with the mean overlapping area as the summary.
public struct SetComparison: Sendable {
    /// One statistic's comparison; `comparison` is nil when a set has no defined value of it.
    public struct Entry: Sendable {
        /// The statistic.
        public var statistic: Statistic
        /// The comparison of its distributions.
        public var comparison: DistributionComparison?
    }

    /// One entry per statistic, in ``Statistic/allCases`` order.
    public let entries: [Entry]
    /// The number of generated pieces.
    public let generatedCount: Int
    /// The number of reference pieces.
    public let referenceCount: Int

    /// Compares the statistics of the generated pieces with those of the reference pieces.
    public init(generated: [PieceStatistics], reference: [PieceStatistics]) {
        generatedCount = generated.count
        referenceCount = reference.count
        entries = Statistic.allCases.map { statistic in
            Entry(statistic: statistic,
                  comparison: DistributionComparison(generated: generated.map { $0[statistic] },
                                                     reference: reference.map { $0[statistic] }))
        }
    }

    /// The mean overlapping area over the statistics that could be compared (`nan` if none).
    public var meanOverlappingArea: Double {
        let areas = entries.compactMap { $0.comparison?.overlappingArea }
        return areas.isEmpty ? .nan : areas.reduce(0, +) / Double(areas.count)
    }

    /// The comparison as an aligned text table (statistic, generated mean, reference mean, OA,
    /// KL) followed by the mean OA; "-" marks a statistic that could not be compared.
    public var table: String {
        let header = ["statistic", "generated", "reference", "OA", "KL"]
        var rows: [[String]] = entries.map { entry in
            guard let comparison = entry.comparison else {
                return [entry.statistic.rawValue, "-", "-", "-", "-"]
            }
            return [entry.statistic.rawValue,
                    Self.format(comparison.generatedMean), Self.format(comparison.referenceMean),
                    Self.format(comparison.overlappingArea), Self.format(comparison.klDivergence)]
        }
        rows.insert(header, at: 0)
        let widths = header.indices.map { column in rows.map { $0[column].count }.max()! }
        var lines = rows.map { row in
            row.enumerated().map { column, text in
                column == 0 ? text.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - text.count) + text
            }.joined(separator: "  ")
        }
        lines.append("mean OA: \(Self.format(meanOverlappingArea)) "
            + "(\(generatedCount) generated, \(referenceCount) reference pieces)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The comparison as a JSON object: `{"mean_oa": x, "statistics": {"<name>": {"oa", "kl",
    /// "generated_mean", "reference_mean"}}}`; values that could not be computed are null.
    public var jsonObject: [String: Any] {
        func number(_ value: Double?) -> Any {
            guard let value, value.isFinite else { return NSNull() }
            return value
        }
        var statistics: [String: Any] = [:]
        for entry in entries {
            statistics[entry.statistic.rawValue] = [
                "oa": number(entry.comparison?.overlappingArea),
                "kl": number(entry.comparison?.klDivergence),
                "generated_mean": number(entry.comparison?.generatedMean),
                "reference_mean": number(entry.comparison?.referenceMean),
            ]
        }
        return ["mean_oa": number(meanOverlappingArea), "statistics": statistics]
    }

    /// ``jsonObject`` as JSON text, keys sorted.
    public func jsonData() -> Data {
        // The object holds only strings, finite numbers, NSNull and dictionaries: always valid JSON.
        try! JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys])
    }

    private static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4f", value) : "-"
    }
}
