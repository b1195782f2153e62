import Foundation
import PianoRoll
import Testing
import Evaluation

/// Hand-made rolls whose statistics are known exactly.
@Suite("Piece statistics on hand-made rolls")
struct PieceStatisticsTests {
    /// C4 D4 E4 F4 G4 A4 B4 C5, one beat each, two bars of 4/4.
    @Test("C-major scale")
    func cMajorScale() throws {
        let pitches = [60, 62, 64, 65, 67, 69, 71, 72]
        let roll = try makeRoll(steps: 32, notes: pitches.enumerated().map { TestNote(pitch: $1, step: 4 * $0, length: 4) })
        let statistics = PieceStatistics(roll)
        #expect(statistics.pitchRange == 12)
        #expect(statistics.pitchesUsed == 8)
        #expect(statistics.pitchClassesUsed == 7)
        #expect(statistics.polyphony == 1)
        #expect(statistics.polyphonyRate == 0)
        #expect(statistics.emptyBeatRate == 0)
        #expect(statistics.scaleConsistency == 1)
        // C twice, six other classes once: −(¼ log₂ ¼ + 6 · ⅛ log₂ ⅛) = 0.5 + 2.25.
        #expect(abs(statistics.pitchClassEntropy - 2.75) < 1e-12)
        #expect(statistics.grooveConsistency == 1)
        #expect(statistics.noteDensity == 1)
        #expect(statistics.meanNoteDuration == 1)
        let centre = Double(roll.binning.centreVelocity(ofBin: 20))
        #expect(statistics.velocityMean == centre)
        #expect(statistics.velocityStandardDeviation == 0)
        #expect(statistics.meanInterOnsetInterval == 1)
    }

    /// A C-major triad held for two beats, then a beat-and-a-half of silence, then a bar of silence.
    @Test("chord followed by empty bars")
    func chordAndEmptyBars() throws {
        let roll = try makeRoll(steps: 32, notes: [
            TestNote(pitch: 60, step: 0, length: 8, bin: 0),
            TestNote(pitch: 64, step: 0, length: 8, bin: 16),
            TestNote(pitch: 67, step: 0, length: 8, bin: 31),
        ])
        let statistics = PieceStatistics(roll)
        #expect(statistics.pitchRange == 7)
        #expect(statistics.pitchesUsed == 3)
        #expect(statistics.pitchClassesUsed == 3)
        #expect(statistics.polyphony == 3)
        #expect(statistics.polyphonyRate == 8.0 / 32)
        #expect(statistics.emptyBeatRate == 6.0 / 8)
        #expect(statistics.scaleConsistency == 1)
        #expect(abs(statistics.pitchClassEntropy - log2(3)) < 1e-12)
        // Bar 1 struck at position 0, bar 2 never: one differing position out of 16.
        #expect(statistics.grooveConsistency == 1 - 1.0 / 16)
        #expect(statistics.noteDensity == 3.0 / 8)
        #expect(statistics.meanNoteDuration == 2)
        // Bins 0, 16, 31 of 32 play at velocities 2, 66 and 126.
        let velocities: [Double] = [2, 66, 126]
        let mean: Double = velocities.reduce(0, +) / 3
        #expect(statistics.velocityMean == mean)
        let squares: [Double] = velocities.map { ($0 - mean) * ($0 - mean) }
        let variance: Double = squares.reduce(0, +) / 3
        #expect(abs(statistics.velocityStandardDeviation - variance.squareRoot()) < 1e-12)
        #expect(statistics.meanInterOnsetInterval.isNaN, "one onset step has no interval")
    }

    @Test("3/4 time: bars of 12 steps")
    func threeFourTime() throws {
        // Bar 1: a waltz pattern (positions 0, 4, 8); bar 2: only the downbeat.
        let notes = [TestNote(pitch: 48, step: 0, length: 4), TestNote(pitch: 60, step: 4, length: 2),
                     TestNote(pitch: 64, step: 8, length: 2), TestNote(pitch: 48, step: 12, length: 12)]
        let waltz = try makeRoll(steps: 24, notes: notes,
                                 timeSignatures: [PianoRoll.TimeSignature(step: 0, numerator: 3, denominator: 4)])
        #expect(PieceStatistics(waltz).grooveConsistency == 1 - 2.0 / 12)
        // The same notes read in 4/4: bar 1 {0, 4, 8, 12}, bar 2 (padded to 16) {}: 4 of 16 differ.
        let common = try makeRoll(steps: 24, notes: notes)
        #expect(PieceStatistics(common).grooveConsistency == 1 - 4.0 / 16)
        #expect(PieceStatistics(waltz).meanInterOnsetInterval == 1)
    }

    @Test("a time-signature change cuts the bar before it short")
    func timeSignatureChange() throws {
        // 4/4 from step 0, 3/4 from step 16; onsets at 0 and 12 (bar 1) and 16 (bar 2).
        let roll = try makeRoll(
            steps: 28,
            notes: [TestNote(pitch: 60, step: 0, length: 2), TestNote(pitch: 62, step: 12, length: 2),
                    TestNote(pitch: 64, step: 16, length: 2)],
            timeSignatures: [PianoRoll.TimeSignature(step: 0, numerator: 4, denominator: 4),
                             PianoRoll.TimeSignature(step: 16, numerator: 3, denominator: 4)])
        // Patterns {0, 12} and {0}: one difference over max(16, 12) positions.
        #expect(PieceStatistics(roll).grooveConsistency == 1 - 1.0 / 16)
        // 6/8 lasts 12 steps too; 2/2 lasts 16; a bar is at least one step.
        let short = try makeRoll(steps: 8, notes: [TestNote(pitch: 60, step: 0, length: 1)],
                                 timeSignatures: [PianoRoll.TimeSignature(step: 0, numerator: 1, denominator: 32)])
        // Bars of one step: pattern 1, then seven empty bars: one difference in seven pairs.
        #expect(PieceStatistics(short).grooveConsistency == 1 - 1.0 / 7)
    }

    @Test("trailing silence and a partial last beat count")
    func partialBeat() throws {
        let roll = try makeRoll(steps: 6, notes: [TestNote(pitch: 60, step: 0, length: 1)])
        let statistics = PieceStatistics(roll)
        #expect(statistics.emptyBeatRate == 0.5)
        #expect(statistics.polyphonyRate == 0)
        #expect(statistics.noteDensity == 1 / 1.5)
        #expect(statistics.grooveConsistency.isNaN, "a single bar has no groove consistency")
    }

    @Test("polyphony rate counts steps with more than two pitches over all steps")
    func polyphonyRateThreshold() throws {
        // Two pitches for 4 steps, three for 2 steps, four for 1 step, then 9 silent steps.
        let roll = try makeRoll(steps: 16, notes: [
            TestNote(pitch: 60, step: 0, length: 7), TestNote(pitch: 64, step: 0, length: 7),
            TestNote(pitch: 67, step: 4, length: 3), TestNote(pitch: 72, step: 6, length: 1),
        ])
        let statistics = PieceStatistics(roll)
        #expect(statistics.polyphonyRate == 3.0 / 16)
        #expect(statistics.polyphony == Double(7 + 7 + 3 + 1) / 7)
    }

    @Test("chromatic scale: best scale holds 7 of 12 notes; entropy log₂ 12")
    func chromatic() throws {
        let roll = try makeRoll(steps: 48, notes: (0..<12).map { TestNote(pitch: 60 + $0, step: 4 * $0, length: 4) })
        let statistics = PieceStatistics(roll)
        #expect(statistics.scaleConsistency == 7.0 / 12)
        #expect(abs(statistics.pitchClassEntropy - log2(12)) < 1e-12)
        #expect(statistics.pitchClassesUsed == 12)
    }

    @Test("A natural minor with G♯ is best explained by a scale holding 7 of 8 notes")
    func minorScale() throws {
        let pitches = [57, 59, 60, 62, 64, 65, 67, 68]  // A B C D E F G G♯
        let roll = try makeRoll(steps: 32, notes: pitches.enumerated().map { TestNote(pitch: $1, step: 4 * $0, length: 4) })
        #expect(PieceStatistics(roll).scaleConsistency == 7.0 / 8)
    }

    @Test("repeated notes are separate onsets; a bare sustain starts a note in the default bin")
    func repeatedAndBareSustain() throws {
        var roll = try makeRoll(steps: 8, notes: [TestNote(pitch: 60, step: 0, length: 2, bin: 4),
                                                  TestNote(pitch: 60, step: 2, length: 2, bin: 4)])
        roll[pitch: 72, step: 4] = .sustain
        roll[pitch: 72, step: 5] = .sustain
        let statistics = PieceStatistics(roll)
        #expect(statistics.noteDensity == 3.0 / 2)
        #expect(statistics.meanNoteDuration == 0.5)
        let binning = roll.binning
        let velocities = [binning.centreVelocity(ofBin: 4), binning.centreVelocity(ofBin: 4),
                          binning.centreVelocity(ofBin: binning.defaultBin)].map(Double.init)
        #expect(abs(statistics.velocityMean - velocities.reduce(0, +) / 3) < 1e-12)
        // Onset steps 0, 2, 4: half a beat apart.
        #expect(statistics.meanInterOnsetInterval == 0.5)
    }

    @Test("a silent roll: counts are 0, undefined statistics are nan")
    func silentRoll() throws {
        let statistics = PieceStatistics(try PianoRoll(steps: 16))
        #expect(statistics.pitchRange == 0)
        #expect(statistics.pitchesUsed == 0)
        #expect(statistics.pitchClassesUsed == 0)
        #expect(statistics.polyphony.isNaN)
        #expect(statistics.polyphonyRate == 0)
        #expect(statistics.emptyBeatRate == 1)
        #expect(statistics.scaleConsistency.isNaN)
        #expect(statistics.pitchClassEntropy.isNaN)
        #expect(statistics.noteDensity == 0)
        #expect(statistics.meanNoteDuration.isNaN)
        #expect(statistics.velocityMean.isNaN)
        #expect(statistics.meanInterOnsetInterval.isNaN)
        let empty = PieceStatistics(try PianoRoll(steps: 0))
        #expect(empty.polyphonyRate.isNaN)
        #expect(empty.emptyBeatRate.isNaN)
        #expect(empty.noteDensity.isNaN)
    }

    @Test("snake_case names and the subscript agree with the properties")
    func names() throws {
        let roll = try makeRoll(steps: 32, notes: [TestNote(pitch: 60, step: 0, length: 3), TestNote(pitch: 67, step: 5, length: 9)])
        let statistics = PieceStatistics(roll)
        let named = statistics.namedValues
        #expect(Set(named.keys) == [
            "pitch_range", "n_pitches_used", "n_pitch_classes_used", "polyphony", "polyphony_rate",
            "empty_beat_rate", "scale_consistency", "pitch_class_entropy", "groove_consistency",
            "note_density", "mean_note_duration", "velocity_mean", "velocity_std", "mean_inter_onset_interval",
        ])
        #expect(named["pitch_range"] == statistics.pitchRange)
        #expect(named["velocity_std"] == statistics.velocityStandardDeviation)
        #expect(statistics[.meanNoteDuration] == 1.5)
        #expect(statistics[.meanInterOnsetInterval] == 1.25)
    }
}
