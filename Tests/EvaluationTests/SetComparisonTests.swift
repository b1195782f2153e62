import Foundation
import PianoRoll
import Testing
import Evaluation

/// The standard normal cumulative distribution function.
private func normalCDF(_ x: Double) -> Double {
    0.5 * erfc(-x / 2.0.squareRoot())
}

@Suite("Kernel densities and set comparison")
struct SetComparisonTests {
    @Test("Scott's bandwidth: sample standard deviation × n^(−1/5)")
    func scottBandwidth() {
        // Standard deviation of 1…5 (n − 1 denominator) is √2.5.
        let expected = 2.5.squareRoot() * pow(5, -0.2)
        #expect(abs(KernelDensityEstimate.scottBandwidth(of: [1, 2, 3, 4, 5]) - expected) < 1e-12)
        #expect(KernelDensityEstimate.scottBandwidth(of: [7]) == 0)
        #expect(KernelDensityEstimate(values: [3, 3, 3], minimumBandwidth: 0.25).bandwidth == 0.25)
    }

    @Test("densities on a grid match the pointwise density and integrate to 1")
    func gridDensities() {
        let estimate = KernelDensityEstimate(values: [0, 0.5, 3], minimumBandwidth: 0)
        let h = estimate.bandwidth
        let x = 1.0
        let direct = ([0, 0.5, 3].map { exp(-0.5 * pow((x - $0) / h, 2)) }.reduce(0, +)) / (3 * h * (2 * Double.pi).squareRoot())
        #expect(abs(estimate.density(at: x) - direct) < 1e-12)
        let start = -10 * h, spacing = h / 50
        let count = Int((3 + 20 * h) / spacing) + 1
        let densities = estimate.densities(start: start, spacing: spacing, count: count)
        #expect(abs(densities[Int((x - start) / spacing + 0.5)] - estimate.density(at: start + Double(Int((x - start) / spacing + 0.5)) * spacing)) < 1e-12)
        #expect(abs(densities.reduce(0, +) * spacing - 1) < 1e-6)
    }

    @Test("a set against itself: OA 1, KL 0")
    func identicalSets() throws {
        let values = (0..<40).map { sin(Double($0)) * 3 + Double($0 % 7) }
        let comparison = try #require(DistributionComparison(generated: values, reference: values))
        #expect(abs(comparison.overlappingArea - 1) < 1e-3)
        #expect(comparison.klDivergence < 1e-9)
        #expect(comparison.generatedMean == comparison.referenceMean)
    }

    @Test("disjoint sets: OA ≈ 0, large KL")
    func disjointSets() throws {
        let low = (0..<30).map { Double($0) / 30 }
        let high = low.map { $0 + 100 }
        let comparison = try #require(DistributionComparison(generated: low, reference: high))
        #expect(comparison.overlappingArea < 1e-6)
        #expect(comparison.klDivergence > 5)
    }

    @Test("two single values: two Gaussians at the bandwidth floor, exact OA and KL")
    func singleValues() throws {
        // Values 0 and 10: the floor is σ = 10⁻³ × 10 = 0.01, so the peaks are 1000 σ apart.
        let apart = try #require(DistributionComparison(generated: [0], reference: [10]))
        #expect(apart.overlappingArea < 1e-12)
        // Values 0 and 0.001: spread < 1, so σ = 10⁻³ and the means are one σ apart.
        let near = try #require(DistributionComparison(generated: [0], reference: [0.001]))
        // OA of two Gaussians of equal σ, d apart: 2Φ(−d / 2σ); KL: d² / 2σ².
        #expect(abs(near.overlappingArea - 2 * normalCDF(-0.5)) < 1e-6)
        #expect(abs(near.klDivergence - 0.5) < 1e-4)
        // Equal constants: identical peaks.
        let same = try #require(DistributionComparison(generated: [4, 4, 4], reference: [4]))
        #expect(abs(same.overlappingArea - 1) < 1e-3)
        #expect(same.klDivergence < 1e-9)
    }

    @Test("KL is KL(reference ‖ generated): a generated set missing a reference mode costs more")
    func klDirection() throws {
        let bimodal = (0..<20).map { Double($0 % 2) * 10 + Double($0) / 40 }
        let unimodal = (0..<20).map { Double($0) / 40 }
        let missing = try #require(DistributionComparison(generated: unimodal, reference: bimodal))
        let extra = try #require(DistributionComparison(generated: bimodal, reference: unimodal))
        #expect(missing.klDivergence > extra.klDivergence)
        #expect(abs(missing.overlappingArea - extra.overlappingArea) < 1e-9, "OA is symmetric")
    }

    @Test("nan values are left out; a set without values cannot be compared")
    func nanValues() throws {
        let comparison = try #require(DistributionComparison(generated: [1, .nan, 2], reference: [1, 2]))
        #expect(comparison.generated == [1, 2])
        #expect(abs(comparison.overlappingArea - 1) < 1e-3)
        #expect(DistributionComparison(generated: [.nan], reference: [1]) == nil)
    }

    @Test("set comparison: mean OA, table, JSON")
    func setComparison() throws {
        let scale = try makeRoll(steps: 32, notes: (0..<8).map { TestNote(pitch: 60 + 2 * $0, step: 4 * $0, length: 4) })
        let chord = try makeRoll(steps: 32, notes: [TestNote(pitch: 60, step: 0, length: 8), TestNote(pitch: 64, step: 0, length: 8)])
        let silent = try PianoRoll(steps: 16)
        let reference = [scale, chord, scale.cropped(steps: 0..<24)].map(PieceStatistics.init)
        let same = SetComparison(generated: reference, reference: reference)
        #expect(abs(same.meanOverlappingArea - 1) < 1e-3)
        #expect(same.entries.map(\.statistic) == Statistic.allCases)

        // A set of silent rolls has no defined pitch-class entropy: that statistic is skipped.
        let generated = [PieceStatistics(silent), PieceStatistics(silent)]
        let comparison = SetComparison(generated: generated, reference: reference)
        let entropy = try #require(comparison.entries.first { $0.statistic == .pitchClassEntropy })
        #expect(entropy.comparison == nil)
        let compared = comparison.entries.compactMap { $0.comparison?.overlappingArea }
        #expect(compared.count < Statistic.allCases.count)
        #expect(abs(comparison.meanOverlappingArea - compared.reduce(0, +) / Double(compared.count)) < 1e-12)

        let table = comparison.table
        for statistic in Statistic.allCases { #expect(table.contains(statistic.rawValue)) }
        #expect(table.contains("mean OA: "))
        #expect(table.contains("(2 generated, 3 reference pieces)"))

        let json = try #require(try JSONSerialization.jsonObject(with: comparison.jsonData()) as? [String: Any])
        #expect(abs((json["mean_oa"] as? Double ?? .nan) - comparison.meanOverlappingArea) < 1e-12)
        let statistics = try #require(json["statistics"] as? [String: [String: Any]])
        #expect(Set(statistics.keys) == Set(Statistic.allCases.map(\.rawValue)))
        #expect(statistics["pitch_class_entropy"]?["oa"] is NSNull)
        let range = try #require(statistics["pitch_range"])
        let rangeEntry = try #require(comparison.entries.first { $0.statistic == .pitchRange }?.comparison)
        #expect(abs((range["oa"] as? Double ?? .nan) - rangeEntry.overlappingArea) < 1e-12)
        #expect(abs((range["kl"] as? Double ?? .nan) - rangeEntry.klDivergence) < 1e-12)
        #expect(range["generated_mean"] as? Double == 0)
        #expect(range["reference_mean"] as? Double == rangeEntry.referenceMean)
    }
}

@Suite("Baseline bits per cell")
struct CellDistributionTests {
    @Test("a roll with cell shares ½, ¼, ¼ has 1.5 bits per cell")
    func knownDistribution() throws {
        // One step: 64 silent, 32 sustain, 32 onsets in bin 1 of 2.
        var codes = [UInt8](repeating: 0, count: 128)
        for pitch in 64..<96 { codes[pitch] = PianoRoll.Cell.sustainCode }
        for pitch in 96..<128 { codes[pitch] = PianoRoll.Cell.firstOnsetCode + 1 }
        let roll = try PianoRoll(steps: 1, velocityBins: 2, codes: codes)
        let distribution = try CellDistribution(rolls: [roll])
        #expect(distribution.counts == [64, 32, 0, 32])
        #expect(distribution.bitsPerCell == 1.5)
        #expect(try CellDistribution.baselineBitsPerCell(of: [roll]) == 1.5)
    }

    @Test("cells are pooled over rolls")
    func pooled() throws {
        let silent = try PianoRoll(steps: 3, velocityBins: 4)
        let loud = try PianoRoll(steps: 3, velocityBins: 4, codes: [UInt8](repeating: PianoRoll.Cell.firstOnsetCode + 3, count: 384))
        #expect(try CellDistribution.baselineBitsPerCell(of: [silent, loud]) == 1)
        #expect(try CellDistribution.baselineBitsPerCell(of: [silent]) == 0)
        // Shares 3/4 and 1/4 with a third roll of silence.
        let expected = -(0.75 * log2(0.75) + 0.25 * log2(0.25))
        #expect(abs(try CellDistribution.baselineBitsPerCell(of: [silent, loud, silent, silent]) - expected) < 1e-12)
    }

    @Test("errors: no cells, mixed velocity bins")
    func errors() throws {
        #expect(throws: EvaluationError.noCells) { try CellDistribution(rolls: []) }
        #expect(throws: EvaluationError.noCells) { try CellDistribution(rolls: [try PianoRoll(steps: 0)]) }
        let mixed = [try PianoRoll(steps: 2, velocityBins: 8), try PianoRoll(steps: 2, velocityBins: 16)]
        do {
            _ = try CellDistribution(rolls: mixed)
            Issue.record("mixed bins must throw")
        } catch {
            #expect(error.description == "rolls coded with 8 and 16 velocity bins cannot be pooled; convert all of them with the same --velocity-bins")
        }
        #expect(EvaluationError.noCells.description
            == "baseline bits per cell needs at least one roll with at least one step; pass non-empty rolls")
    }
}
