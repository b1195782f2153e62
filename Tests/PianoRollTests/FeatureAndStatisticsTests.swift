import PianoRoll
import Testing

@Suite("Model input features and statistics")
struct FeatureAndStatisticsTests {
    @Test("features per cell: onset, active, and bin-centre velocity / 127 on onsets")
    func cellFeatures() throws {
        let roll = try PianoRoll(steps: 1, velocityBins: 4)
        #expect(roll.inputFeatures(of: .silent) == SIMD3(0, 0, 0))
        #expect(roll.inputFeatures(of: .sustain) == SIMD3(0, 1, 0))
        #expect(roll.inputFeatures(of: .onset(velocityBin: 1)) == SIMD3(1, 1, Float(48) / 127))
        #expect(roll.inputFeatures(of: .onset(velocityBin: 3)) == SIMD3(1, 1, Float(112) / 127))
    }

    @Test("the whole roll's features are laid out pitch, step, feature")
    func wholeRoll() throws {
        var roll = try PianoRoll(steps: 3, velocityBins: 4)
        roll[pitch: 2, step: 1] = .onset(velocityBin: 0)
        roll[pitch: 2, step: 2] = .sustain
        let features = roll.inputFeatures()
        #expect(features.count == 128 * 3 * 3)
        #expect(Array(features[(2 * 3 + 1) * 3..<(2 * 3 + 3) * 3]) == [1, 1, Float(16) / 127, 0, 1, 0])
        #expect(features.reduce(0, +) == 3 + Float(16) / 127)
    }

    @Test("a window of features, with steps outside the roll read as silent")
    func window() throws {
        var roll = try PianoRoll(steps: 4, velocityBins: 32)
        roll[pitch: 60, step: 3] = .onset(velocityBin: 31)
        roll[pitch: 61, step: 0] = .onset(velocityBin: 0)
        var buffer = [Float](repeating: -1, count: 2 * 3 * 3)
        buffer.withUnsafeMutableBufferPointer { roll.writeInputFeatures(pitches: 60..<62, steps: 2..<5, into: $0) }
        #expect(buffer == [0, 0, 0, 1, 1, Float(126) / 127, 0, 0, 0,
                           0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("statistics: note count, pitch range, polyphony, duration")
    func statistics() throws {
        var roll = try PianoRoll(steps: 8)
        roll.tempoMap = [.init(step: 0, beatsPerMinute: 120), .init(step: 4, beatsPerMinute: 60)]
        for (pitch, step, length) in [(48, 0, 4), (52, 0, 2), (55, 2, 2), (48, 4, 1)] {
            roll[pitch: pitch, step: step] = .onset(velocityBin: 3)
            for sustain in (step + 1)..<(step + length) { roll[pitch: pitch, step: sustain] = .sustain }
        }
        let statistics = roll.statistics
        #expect(statistics.noteCount == 4)
        #expect(statistics.steps == 8)
        #expect(statistics.pitchRange == 48...55)
        #expect(statistics.meanPolyphony == 9.0 / 5.0)  // 2, 2, 2, 2, 1 over 5 sounding steps
        #expect(statistics.maximumPolyphony == 2)
        #expect(abs(statistics.durationSeconds - (4 * 0.125 + 4 * 0.25)) < 1e-12)
        #expect(abs(roll.seconds(atStep: 6) - (0.5 + 0.5)) < 1e-12)
        let silent = try PianoRoll(steps: 4).statistics
        #expect(silent.noteCount == 0 && silent.pitchRange == nil && silent.meanPolyphony == 0 && silent.maximumPolyphony == 0)
        #expect(silent.durationSeconds == 0.5)
    }
}
