import MIDIFile

/// What can go wrong when building, converting or editing a ``PianoRoll``.
///
/// Each description is one line naming the problem and the fix.
public enum PianoRollError: Error, CustomStringConvertible {
    /// The MIDI file could not be read or written.
    case midiFile(MIDIFileError)
    /// A velocity-bin count outside 1…127.
    case invalidVelocityBins(Int)
    /// A negative number of steps.
    case negativeStepCount(Int)
    /// Cell codes whose count is not 128 × steps.
    case codeCountMismatch(steps: Int, count: Int)
    /// A cell code beyond the last onset code for the roll's velocity bins.
    case invalidCode(UInt8, pitch: Int, step: Int, velocityBins: Int)
    /// A pitch shift that would move a note off the keyboard (outside MIDI pitches 0…127).
    case shiftLeavesKeyboard(semitones: Int, pitch: Int, step: Int, allowed: ClosedRange<Int>)
    /// Appending a roll coded with a different number of velocity bins.
    case velocityBinsMismatch(Int, Int)
    /// A MIDI file whose music would last more than ``PianoRoll/maximumSteps`` steps.
    case tooLong(fileName: String?, steps: Int)

    /// One line naming the problem and the fix.
    public var description: String {
        switch self {
        case .midiFile(let error):
            return "\(error)"
        case .invalidVelocityBins(let count):
            return "velocity bins must be between 1 and 127, got \(count); use the default, "
                + "\(PianoRoll.VelocityBins.defaultCount)"
        case .negativeStepCount(let steps):
            return "a piano roll cannot have \(steps) steps; pass 0 or more"
        case .codeCountMismatch(let steps, let count):
            return "a roll of \(steps) steps needs 128 × \(steps) = \(128 * steps) cell codes, got "
                + "\(count); pass one code per (pitch, step), pitch-major"
        case .invalidCode(let code, let pitch, let step, let velocityBins):
            return "cell code \(code) at pitch \(pitch), step \(step) is not valid with "
                + "\(velocityBins) velocity bins; use 0 (silent), 1 (sustain) or 2…\(velocityBins + 1) (onset)"
        case .shiftLeavesKeyboard(let semitones, let pitch, let step, let allowed):
            let shifted = pitch + semitones
            return "cannot shift by \(signed(semitones)) semitones: the note \(noteName(pitch)) "
                + "(pitch \(pitch)) at step \(step) would move to pitch \(shifted), off the keyboard "
                + "(0…127); shifts allowed for this roll: \(signed(allowed.lowerBound))…\(signed(allowed.upperBound))"
        case .tooLong(let fileName, let steps):
            return (fileName.map { "\($0): " } ?? "") + "the music lasts \(steps) steps (16th notes), more than "
                + "a piano roll holds (\(PianoRoll.maximumSteps)); the file is probably damaged — check the ticks of its last events"
        case .velocityBinsMismatch(let first, let second):
            return "cannot append a roll with \(second) velocity bins to one with \(first); "
                + "convert both with the same ConversionOptions.velocityBins"
        }
    }
}

/// The scientific name of a MIDI pitch (60 is C4).
func noteName(_ pitch: Int) -> String {
    let names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    let octave = pitch >= 0 ? pitch / 12 - 1 : (pitch - 11) / 12 - 1
    return names[((pitch % 12) + 12) % 12] + String(octave)
}

private func signed(_ value: Int) -> String {
    value > 0 ? "+\(value)" : "\(value)"
}
