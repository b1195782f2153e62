import PianoRoll

/// A note for building test rolls: pitch, first step, length in steps, velocity bin.
struct TestNote {
    var pitch: Int
    var step: Int
    var length: Int
    var bin: Int = 20
}

/// A roll of `steps` steps holding `notes` (each an onset followed by sustain cells).
func makeRoll(steps: Int, notes: [TestNote], velocityBins: Int = 32,
              timeSignatures: [PianoRoll.TimeSignature] = []) throws -> PianoRoll {
    var roll = try PianoRoll(steps: steps, velocityBins: velocityBins, timeSignatures: timeSignatures)
    for note in notes {
        roll[pitch: note.pitch, step: note.step] = .onset(velocityBin: note.bin)
        for step in (note.step + 1)..<(note.step + note.length) {
            roll[pitch: note.pitch, step: step] = .sustain
        }
    }
    return roll
}
