extension PianoRoll {
    /// A note of a roll: struck at `step`, sounding for `length` steps.
    public struct Note: Sendable, Hashable {
        /// The MIDI pitch, 0…127.
        public var pitch: Int
        /// The step of the onset.
        public var step: Int
        /// The number of steps the note sounds (the onset plus its sustain cells), at least 1.
        public var length: Int
        /// The velocity bin of the onset.
        public var velocityBin: Int

        /// A note of `length` steps from `step`.
        public init(pitch: Int, step: Int, length: Int, velocityBin: Int) {
            self.pitch = pitch
            self.step = step
            self.length = length
            self.velocityBin = velocityBin
        }

        /// The step after the last one the note sounds in.
        public var endStep: Int {
            step + length
        }
    }

    /// The notes of the roll, sorted by onset step, then pitch.
    ///
    /// Each onset starts a note that lasts through the sustain cells after it. A sustain cell
    /// with no note to continue (at step 0 or after a silent cell) starts a note in the default
    /// velocity bin.
    public var notes: [Note] {
        var result: [Note] = []
        let defaultBin = binning.defaultBin
        codes.withUnsafeBufferPointer { cells in
            for pitch in 0..<Self.pitchCount {
                let row = pitch * steps
                var step = 0
                while step < steps {
                    let code = cells[row + step]
                    if code == Cell.silentCode {
                        step += 1
                        continue
                    }
                    let bin = code == Cell.sustainCode ? defaultBin : Int(code - Cell.firstOnsetCode)
                    var end = step + 1
                    while end < steps && cells[row + end] == Cell.sustainCode { end += 1 }
                    result.append(Note(pitch: pitch, step: step, length: end - step, velocityBin: bin))
                    step = end
                }
            }
        }
        return result.sorted { ($0.step, $0.pitch) < ($1.step, $1.pitch) }
    }
}

/// A note on the step grid before the roll's merging rules are applied.
struct GridNote {
    var pitch: Int
    var onStep: Int
    var endStep: Int
    var velocity: Int
}

extension PianoRoll {
    /// Cell codes for notes on the step grid, applying the rules of docs/ROLL-RULES.md in
    /// order: every note lasts at least one step; notes of one pitch struck at the same step
    /// become one note (loudest velocity, latest end); a note ends no later than the next onset
    /// of its pitch; notes are cut at the roll's end.
    static func codes(for notes: inout [GridNote], steps: Int, binning: VelocityBins) -> [UInt8] {
        sortByPitchThenOnset(&notes)
        var codes = [UInt8](repeating: Cell.silentCode, count: pitchCount * steps)
        codes.withUnsafeMutableBufferPointer { cells in
            var index = 0
            while index < notes.count {
                var note = notes[index]
                note.endStep = max(note.endStep, note.onStep + 1)
                var next = index + 1
                while next < notes.count && notes[next].pitch == note.pitch && notes[next].onStep == note.onStep {
                    note.velocity = max(note.velocity, notes[next].velocity)
                    note.endStep = max(note.endStep, notes[next].endStep)
                    next += 1
                }
                if next < notes.count && notes[next].pitch == note.pitch {
                    note.endStep = min(note.endStep, notes[next].onStep)
                }
                note.endStep = min(note.endStep, steps)
                if note.onStep < steps {
                    let row = note.pitch * steps
                    cells[row + note.onStep] = Cell.firstOnsetCode + UInt8(binning.bin(forVelocity: note.velocity))
                    for step in (note.onStep + 1)..<max(note.endStep, note.onStep + 1) {
                        cells[row + step] = Cell.sustainCode
                    }
                }
                index = next
            }
        }
        return codes
    }

    /// Sorts notes by pitch, then onset step: a stable counting sort by pitch, then a
    /// comparison sort of any pitch whose onsets are out of order (notes converted from a MIDI
    /// file arrive in onset order, so usually none is).
    private static func sortByPitchThenOnset(_ notes: inout [GridNote]) {
        var starts = [Int](repeating: 0, count: pitchCount + 1)
        for note in notes { starts[note.pitch + 1] += 1 }
        for pitch in 0..<pitchCount { starts[pitch + 1] += starts[pitch] }
        var sorted = notes
        var next = starts
        for note in notes {
            sorted[next[note.pitch]] = note
            next[note.pitch] += 1
        }
        for pitch in 0..<pitchCount where starts[pitch + 1] - starts[pitch] > 1 {
            let range = starts[pitch]..<starts[pitch + 1]
            if zip(sorted[range], sorted[range].dropFirst()).contains(where: { $0.onStep > $1.onStep }) {
                sorted[range].sort { $0.onStep < $1.onStep }
            }
        }
        notes = sorted
    }
}
