import Foundation
import PianoRoll

/// The MIDI file `continue` and `inpaint` start from, read as a piano roll.
enum GenerationInput {
    /// The roll of the MIDI file at `path`, with `velocityBins` bins, on the file's own grid:
    /// its notes stay where the file puts them even when they sit a 16th off the beat
    /// (``GenerationJob/modelDelaySteps`` moves the piece for the model instead).
    static func roll(_ path: String, velocityBins: Int = PianoRoll.VelocityBins.defaultCount) throws(PianoRollError) -> PianoRoll {
        try PianoRoll(contentsOf: URL(fileURLWithPath: path),
                      options: PianoRoll.ConversionOptions(velocityBins: velocityBins, alignsEighthNoteGrid: false))
    }

    /// The output name stem for `path` with `suffix`: `song.mid` → `song-continued`.
    static func name(of path: String, suffix: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + "-" + suffix
    }

    /// `roll` widened to `steps` steps (silent after its end), keeping tempo and time signatures.
    static func extended(_ roll: PianoRoll, to steps: Int) throws(PianoRollError) -> PianoRoll {
        var codes = [UInt8](repeating: PianoRoll.Cell.silentCode, count: PianoRoll.pitchCount * steps)
        for pitch in 0..<PianoRoll.pitchCount {
            let source = pitch * roll.steps
            codes.replaceSubrange((pitch * steps)..<(pitch * steps + roll.steps), with: roll.codes[source..<(source + roll.steps)])
        }
        return try PianoRoll(steps: steps, velocityBins: roll.velocityBins, codes: codes,
                             tempoMap: roll.tempoMap, timeSignatures: roll.timeSignatures)
    }
}
