import Foundation
import PianoRoll

/// How often each cell class (silent, sustain, onset in velocity bin b) occurs over a set of
/// rolls, and its entropy: the baseline that a model's likelihood (bits per cell) must beat.
///
/// A model that ignored all context and predicted every cell from these marginal frequencies
/// would spend exactly ``bitsPerCell`` bits per cell on the same rolls.
public struct CellDistribution: Sendable, Hashable {
    /// The number of velocity bins of the rolls.
    public let velocityBins: Int
    /// The number of cells of each class, indexed by cell code: 0 silent, 1 sustain, `2 + b`
    /// onset in velocity bin `b`.
    public let counts: [Int]

    /// Counts the cells of `rolls` (all coded with the same number of velocity bins, with at
    /// least one cell in all).
    public init(rolls: [PianoRoll]) throws(EvaluationError) {
        guard let first = rolls.first else { throw EvaluationError.noCells }
        var counts = [Int](repeating: 0, count: 2 + first.velocityBins)
        for roll in rolls {
            guard roll.velocityBins == first.velocityBins else {
                throw EvaluationError.velocityBinsMismatch(first.velocityBins, roll.velocityBins)
            }
            counts.withUnsafeMutableBufferPointer { tally in
                roll.codes.withUnsafeBufferPointer { cells in
                    for code in cells { tally[Int(code)] += 1 }
                }
            }
        }
        guard counts.reduce(0, +) > 0 else { throw EvaluationError.noCells }
        velocityBins = first.velocityBins
        self.counts = counts
    }

    /// The total number of cells.
    public var cellCount: Int {
        counts.reduce(0, +)
    }

    /// The share of cells of each class, indexed like ``counts``.
    public var probabilities: [Double] {
        let total = Double(cellCount)
        return counts.map { Double($0) / total }
    }

    /// The entropy of the cell classes in bits: −Σ p log₂ p over the classes that occur.
    public var bitsPerCell: Double {
        -probabilities.reduce(0) { $1 > 0 ? $0 + $1 * log2($1) : $0 }
    }

    /// The baseline bits per cell of `rolls`: the entropy of their pooled cell classes (see
    /// ``CellDistribution``).
    public static func baselineBitsPerCell(of rolls: [PianoRoll]) throws(EvaluationError) -> Double {
        try CellDistribution(rolls: rolls).bitsPerCell
    }
}
