import Foundation
import PianoRoll

/// The musical statistics of one piece, measured on its quantised piano roll (one step is a
/// 16th note, four steps a beat).
///
/// The definitions follow the muspy library (`muspy.metrics`) where it has the statistic, with
/// two documented exceptions where muspy is off by one (see docs in
/// ``emptyBeatRate`` and ``grooveConsistency``). A statistic that is undefined for the piece
/// (a silent roll has no pitch-class entropy, a piece shorter than two bars no groove
/// consistency) is `nan`, as in muspy; set comparisons leave such values out.
///
/// "Notes" are the roll's ``PianoRoll/PianoRoll/notes``; a note's velocity is its bin's centre
/// velocity (the velocity the roll plays back at).
public struct PieceStatistics: Sendable, Hashable {
    /// Highest minus lowest pitch played, in semitones; 0 for a silent roll (as in muspy).
    public var pitchRange: Double
    /// The number of distinct pitches played.
    public var pitchesUsed: Double
    /// The number of distinct pitch classes played.
    public var pitchClassesUsed: Double
    /// The number of sounding (onset or sustain) cells divided by the number of steps where at
    /// least one pitch sounds; `nan` for a silent roll.
    public var polyphony: Double
    /// The share of all the roll's steps (silent ones included) where more than two pitches
    /// sound — muspy's `polyphony_rate` with its default threshold 2; `nan` for a roll of no steps.
    public var polyphonyRate: Double
    /// The share of the roll's beats (⌈steps / 4⌉, the last one possibly partial) in which no
    /// cell sounds; `nan` for a roll of no steps.
    ///
    /// Differs from muspy's `empty_beat_rate`, which counts `length / 4 + 1` beats (integer
    /// division) and also marks the beat in which a note's exclusive end falls as occupied, so a
    /// note ending exactly on a beat fills the next, silent, beat too.
    public var emptyBeatRate: Double
    /// The largest share of notes whose pitch class lies in one scale, over the 12 major and 12
    /// natural-minor scales (notes counted, not weighted by length, as in muspy); `nan` without notes.
    public var scaleConsistency: Double
    /// The Shannon entropy, in bits, of the pitch-class histogram of the notes, each note
    /// counting once whatever its length (as in muspy); `nan` without notes.
    public var pitchClassEntropy: Double
    /// One minus the mean Hamming distance between the onset patterns of consecutive bars;
    /// `nan` with fewer than two bars.
    ///
    /// Bars come from the roll's time signatures: a bar of n/d lasts `16·n/d` steps (at least
    /// one, rounded down); a bar cut short by the next time signature ends there, and the roll's
    /// last bar keeps its full length (padded with silence). A bar's pattern is the set of
    /// positions in it where some note is struck; the distance between two bars is the number
    /// of positions where their patterns differ, divided by the longer bar's length, and the
    /// sum of the distances is divided by the sum of the longer lengths. With one time signature
    /// this is muspy's `groove_consistency` with `measure_resolution` = the bar length, except
    /// that muspy counts `length / bar + 1` bars, adding an empty bar when the roll ends on a
    /// barline.
    public var grooveConsistency: Double
    /// Notes struck per beat of the roll; `nan` for a roll of no steps.
    public var noteDensity: Double
    /// The mean note length in beats; `nan` without notes.
    public var meanNoteDuration: Double
    /// The mean velocity of the notes; `nan` without notes.
    public var velocityMean: Double
    /// The population standard deviation of the notes' velocities; `nan` without notes.
    public var velocityStandardDeviation: Double
    /// The mean distance in beats between consecutive distinct onset steps; `nan` with fewer
    /// than two onset steps.
    public var meanInterOnsetInterval: Double

    /// The value of one statistic.
    public subscript(statistic: Statistic) -> Double {
        switch statistic {
        case .pitchRange: pitchRange
        case .pitchesUsed: pitchesUsed
        case .pitchClassesUsed: pitchClassesUsed
        case .polyphony: polyphony
        case .polyphonyRate: polyphonyRate
        case .emptyBeatRate: emptyBeatRate
        case .scaleConsistency: scaleConsistency
        case .pitchClassEntropy: pitchClassEntropy
        case .grooveConsistency: grooveConsistency
        case .noteDensity: noteDensity
        case .meanNoteDuration: meanNoteDuration
        case .velocityMean: velocityMean
        case .velocityStandardDeviation: velocityStandardDeviation
        case .meanInterOnsetInterval: meanInterOnsetInterval
        }
    }

    /// The statistics by their snake_case names (`pitch_range`, `n_pitches_used`, …).
    public var namedValues: [String: Double] {
        Dictionary(uniqueKeysWithValues: Statistic.allCases.map { ($0.rawValue, self[$0]) })
    }

    /// The statistics of `roll`.
    public init(_ roll: PianoRoll) {
        let notes = roll.notes
        let steps = roll.steps
        let stepsPerBeat = PianoRoll.stepsPerBeat

        // Sounding pitches per step.
        var sounding = [Int](repeating: 0, count: steps)
        roll.codes.withUnsafeBufferPointer { cells in
            sounding.withUnsafeMutableBufferPointer { counts in
                for pitch in 0..<PianoRoll.pitchCount {
                    let row = pitch * steps
                    for step in 0..<steps where cells[row + step] != PianoRoll.Cell.silentCode {
                        counts[step] += 1
                    }
                }
            }
        }
        let soundingCells = sounding.reduce(0, +)
        let soundingSteps = sounding.count { $0 > 0 }
        polyphony = soundingSteps > 0 ? Double(soundingCells) / Double(soundingSteps) : .nan
        polyphonyRate = steps > 0 ? Double(sounding.count { $0 > 2 }) / Double(steps) : .nan

        let beats = (steps + stepsPerBeat - 1) / stepsPerBeat
        if beats > 0 {
            var emptyBeats = 0
            for beat in 0..<beats where sounding[(beat * stepsPerBeat)..<min((beat + 1) * stepsPerBeat, steps)].allSatisfy({ $0 == 0 }) {
                emptyBeats += 1
            }
            emptyBeatRate = Double(emptyBeats) / Double(beats)
        } else {
            emptyBeatRate = .nan
        }

        // Pitch content.
        var pitchCounts = [Int](repeating: 0, count: PianoRoll.pitchCount)
        var classCounts = [Int](repeating: 0, count: 12)
        for note in notes {
            pitchCounts[note.pitch] += 1
            classCounts[note.pitch % 12] += 1
        }
        let usedPitches = pitchCounts.indices.filter { pitchCounts[$0] > 0 }
        pitchRange = Double((usedPitches.last ?? 0) - (usedPitches.first ?? 0))
        pitchesUsed = Double(usedPitches.count)
        pitchClassesUsed = Double(classCounts.count { $0 > 0 })
        scaleConsistency = Self.scaleConsistency(classCounts: classCounts)
        pitchClassEntropy = Self.entropyBits(counts: classCounts)

        // Rhythm.
        let onsetSteps = Array(Set(notes.map(\.step))).sorted()
        grooveConsistency = Self.grooveConsistency(onsetSteps: onsetSteps, bars: Self.bars(of: roll))
        noteDensity = steps > 0 ? Double(notes.count) / roll.beats : .nan
        meanInterOnsetInterval = onsetSteps.count >= 2
            ? Double(onsetSteps.last! - onsetSteps.first!) / Double(onsetSteps.count - 1) / Double(stepsPerBeat)
            : .nan
        if notes.isEmpty {
            meanNoteDuration = .nan
            velocityMean = .nan
            velocityStandardDeviation = .nan
        } else {
            let count = Double(notes.count)
            meanNoteDuration = Double(notes.reduce(0) { $0 + $1.length }) / count / Double(stepsPerBeat)
            let binning = roll.binning
            let velocities = notes.map { Double(binning.centreVelocity(ofBin: $0.velocityBin)) }
            let mean = velocities.reduce(0, +) / count
            velocityMean = mean
            velocityStandardDeviation = (velocities.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count).squareRoot()
        }
    }

    /// The pitch classes of the major scale on C; natural minor on A is its rotation.
    private static let majorScale: [Bool] = [true, false, true, false, true, true, false, true, false, true, false, true]
    private static let minorScale: [Bool] = [true, false, true, true, false, true, false, true, true, false, true, false]

    private static func scaleConsistency(classCounts: [Int]) -> Double {
        let total = classCounts.reduce(0, +)
        guard total > 0 else { return .nan }
        var best = 0
        for scale in [majorScale, minorScale] {
            for root in 0..<12 {
                var inScale = 0
                for pitchClass in 0..<12 where scale[(pitchClass - root + 12) % 12] {
                    inScale += classCounts[pitchClass]
                }
                best = max(best, inScale)
            }
        }
        return Double(best) / Double(total)
    }

    private static func entropyBits(counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return .nan }
        return -counts.reduce(0.0) { sum, count in
            guard count > 0 else { return sum }
            let p = Double(count) / total
            return sum + p * log2(p)
        }
    }

    /// A bar: its first step and its length in steps.
    struct Bar {
        var start: Int
        var length: Int
    }

    /// The bars of `roll`, from its time signatures (see ``grooveConsistency``).
    static func bars(of roll: PianoRoll) -> [Bar] {
        var result: [Bar] = []
        let signatures = roll.timeSignatures
        for (index, signature) in signatures.enumerated() {
            let nominal = max(1, signature.numerator * 16 / max(signature.denominator, 1))
            let isLast = index + 1 == signatures.count
            let end = isLast ? roll.steps : min(signatures[index + 1].step, roll.steps)
            var start = signature.step
            while start < end {
                result.append(Bar(start: start, length: isLast ? nominal : min(nominal, end - start)))
                start += nominal
            }
        }
        return result
    }

    private static func grooveConsistency(onsetSteps: [Int], bars: [Bar]) -> Double {
        guard bars.count >= 2 else { return .nan }
        var patterns: [Set<Int>] = []
        patterns.reserveCapacity(bars.count)
        var next = 0
        for bar in bars {
            var pattern = Set<Int>()
            while next < onsetSteps.count && onsetSteps[next] < bar.start + bar.length {
                if onsetSteps[next] >= bar.start { pattern.insert(onsetSteps[next] - bar.start) }
                next += 1
            }
            patterns.append(pattern)
        }
        var distance = 0
        var positions = 0
        for index in 1..<bars.count {
            distance += patterns[index - 1].symmetricDifference(patterns[index]).count
            positions += max(bars[index - 1].length, bars[index].length)
        }
        return 1 - Double(distance) / Double(positions)
    }
}
