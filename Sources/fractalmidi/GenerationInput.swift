import Foundation
import ModelStore
import PianoRoll

/// The model and the MIDI file a generation command starts from.
enum GenerationInput {
    /// The model `--model` names (a run or checkpoint folder), or the bundled one.
    static func model(_ path: String?) throws(ModelLoadingError) -> TrainedModel {
        try TrainedModel.load(from: path.map { URL(fileURLWithPath: $0) })
    }

    /// The roll of the MIDI file at `path`, with `velocityBins` bins, on the file's own grid:
    /// its notes stay where the file puts them even when they sit a 16th off the beat (the
    /// generation pipeline moves the piece for the model instead).
    static func roll(_ path: String, velocityBins: Int = PianoRoll.VelocityBins.defaultCount) throws(PianoRollError) -> PianoRoll {
        try PianoRoll(contentsOf: URL(fileURLWithPath: path),
                      options: PianoRoll.ConversionOptions(velocityBins: velocityBins, alignsEighthNoteGrid: false))
    }

    /// The roll of `path` with the velocity bins of `model`.
    static func roll(_ path: String, for model: TrainedModel) throws(PianoRollError) -> PianoRoll {
        try roll(path, velocityBins: model.config.model.velocityBins)
    }

    /// The output name stem for `path` with `suffix`: `song.mid` → `song-continued`.
    static func name(of path: String, suffix: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + "-" + suffix
    }
}
