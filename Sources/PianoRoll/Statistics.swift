extension PianoRoll {
    /// Summary numbers of a roll, for `fractalmidi info` and for comparing music.
    public struct Statistics: Sendable, Hashable {
        /// The number of notes (see ``PianoRoll/notes``).
        public var noteCount: Int
        /// The roll's length in steps.
        public var steps: Int
        /// The lowest and highest sounding pitch, or nil for a silent roll.
        public var pitchRange: ClosedRange<Int>?
        /// The mean number of sounding pitches over the steps where at least one sounds
        /// (0 for a silent roll).
        public var meanPolyphony: Double
        /// The largest number of pitches sounding at one step.
        public var maximumPolyphony: Int
        /// The roll's duration in seconds at its tempo map.
        public var durationSeconds: Double
    }

    /// Summary numbers of this roll.
    public var statistics: Statistics {
        var sounding = [Int](repeating: 0, count: steps)
        var noteCount = 0
        codes.withUnsafeBufferPointer { cells in
            for pitch in 0..<Self.pitchCount {
                let row = pitch * steps
                for step in 0..<steps where cells[row + step] != Cell.silentCode {
                    sounding[step] += 1
                    if cells[row + step] != Cell.sustainCode || step == 0 || cells[row + step - 1] == Cell.silentCode {
                        noteCount += 1
                    }
                }
            }
        }
        let soundingSteps = sounding.filter { $0 > 0 }
        return Statistics(
            noteCount: noteCount,
            steps: steps,
            pitchRange: activePitchRange,
            meanPolyphony: soundingSteps.isEmpty ? 0 : Double(soundingSteps.reduce(0, +)) / Double(soundingSteps.count),
            maximumPolyphony: sounding.max() ?? 0,
            durationSeconds: seconds(atStep: steps))
    }

    /// The time in seconds at which `step` begins, at the roll's tempo map.
    public func seconds(atStep step: Int) -> Double {
        var total = 0.0
        for (index, change) in tempoMap.enumerated() where change.step < step {
            let end = index + 1 < tempoMap.count ? min(tempoMap[index + 1].step, step) : step
            total += Double(end - change.step) * Double(change.microsecondsPerBeat) / 1e6 / Double(Self.stepsPerBeat)
        }
        return total
    }
}
