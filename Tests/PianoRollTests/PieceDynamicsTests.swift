import PianoRoll
import Testing

@Suite("Piece dynamics: measuring a piece's loudness and giving notes another's")
struct PieceDynamicsTests {
    /// A roll with onsets at the given bins on pitches 40, 41, … at steps 0, 2, 4, …, each
    /// followed by a sustain.
    func roll(bins: [Int], steps: Int = 64) throws -> PianoRoll {
        var roll = try PianoRoll(steps: steps)
        for (index, bin) in bins.enumerated() {
            roll[pitch: 40 + index % 40, step: (2 * index) % steps] = .onset(velocityBin: bin)
            roll[pitch: 40 + index % 40, step: (2 * index + 1) % steps] = .sustain
        }
        return roll
    }

    @Test("mean and spread of the onsets' bin-centre velocities; sustains and silence do not count")
    func measures() throws {
        let roll = try roll(bins: [0, 31, 15, 15])
        let velocities = [2.0, 126, 62, 62]
        #expect(velocities == [0, 31, 15, 15].map { Double(roll.binning.centreVelocity(ofBin: $0)) })
        let mean = velocities.reduce(0, +) / 4
        let spread = (velocities.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot()
        let dynamics = try #require(PieceDynamics(of: roll))
        #expect(abs(dynamics.meanVelocity - mean) < 1e-9)
        #expect(abs(dynamics.velocitySpread - spread) < 1e-9)
    }

    @Test("a step range counts the onsets that start in it; too few notes give nil")
    func stepRangeAndMinimum() throws {
        let roll = try roll(bins: [0, 31, 15, 15])
        #expect(PieceDynamics(of: roll, steps: 4..<8) == PieceDynamics(meanVelocity: 62, velocitySpread: 0))
        #expect(PieceDynamics(of: roll, steps: 1..<2) == nil)
        #expect(PieceDynamics(of: roll, minimumNotes: 5) == nil)
        #expect(PieceDynamics(of: roll, minimumNotes: 4) != nil)
        #expect(PieceDynamics(of: roll, steps: 6..<1000)?.meanVelocity == 62)
        let counted = PieceDynamics(codes: roll.codes, velocityBins: roll.binning, where: { $0 % roll.steps == 2 })
        #expect(counted == PieceDynamics(meanVelocity: 126, velocitySpread: 0))
    }

    @Test("imposed dynamics: the chosen notes get the target mean and spread, in the same order; nothing else changes",
          arguments: [(60.0, 8.0), (95.0, 20.0), (40.0, 0.0), (110.0, 3.0)])
    func imposes(target: (mean: Double, spread: Double)) throws {
        let original = try roll(bins: (0..<60).map { 8 + ($0 * 7) % 17 })
        var codes = original.codes
        let changed = { (index: Int) in index % original.steps < 80 && (index / original.steps) % 2 == 0 }
        PieceDynamics(meanVelocity: target.mean, velocitySpread: target.spread)
            .impose(on: &codes, velocityBins: original.binning, where: changed)
        let result = try #require(PieceDynamics(codes: codes, velocityBins: original.binning, where: changed))
        #expect(abs(result.meanVelocity - target.mean) < 2.5, "mean \(result.meanVelocity)")
        #expect(abs(result.velocitySpread - target.spread) < 2.5, "spread \(result.velocitySpread)")
        for index in codes.indices where !changed(index) { #expect(codes[index] == original.codes[index]) }
        for index in codes.indices where original.codes[index] < PianoRoll.Cell.firstOnsetCode {
            #expect(codes[index] == original.codes[index])
        }
        let onsets = codes.indices.filter { changed($0) && original.codes[$0] >= PianoRoll.Cell.firstOnsetCode }
        for first in onsets {
            for second in onsets where original.codes[first] < original.codes[second] {
                #expect(codes[first] <= codes[second])
            }
        }
    }

    @Test("one note takes the target mean; velocities past 1…127 are clamped; no chosen notes change nothing")
    func edges() throws {
        let single = try roll(bins: [3])
        var codes = single.codes
        PieceDynamics(meanVelocity: 100, velocitySpread: 30).impose(on: &codes, velocityBins: single.binning, where: { _ in true })
        #expect(codes[40 * 64] == PianoRoll.Cell.firstOnsetCode + UInt8(single.binning.bin(forVelocity: 100)))

        let wide = try roll(bins: [0, 31])
        codes = wide.codes
        PieceDynamics(meanVelocity: 120, velocitySpread: 60).impose(on: &codes, velocityBins: wide.binning, where: { _ in true })
        #expect(codes[40 * 64] == PianoRoll.Cell.firstOnsetCode + UInt8(wide.binning.bin(forVelocity: 60)))
        #expect(codes[41 * 64 + 2] == PianoRoll.Cell.firstOnsetCode + 31)

        codes = wide.codes
        PieceDynamics(meanVelocity: 20, velocitySpread: 1).impose(on: &codes, velocityBins: wide.binning, where: { _ in false })
        #expect(codes == wide.codes)
    }
}
