import Foundation
import FractalModel
import MIDIFile
import PianoRoll

/// What a ``GenerationPipeline`` drew: the pieces, and everything needed to say how (and to
/// draw them again).
public struct GenerationResult: Sendable {
    /// The pieces, as long as the request's piece, with its time signatures and its tempo map
    /// (or the requested tempo).
    public var pieces: [PianoRoll]
    /// The sampling options used, with the request's seed.
    public var options: SamplingOptions
    /// The seed of each window of the long-piece plan, in order (one for a piece no longer
    /// than the model's width).
    public var windowSeeds: [UInt64]
    /// The style class the pieces were drawn in, and its name (nil for unnamed classes).
    public var styleClass: Int, style: String?
    /// How many steps later the model drew the pieces (``GenerationRequest/modelDelaySteps``).
    public var modelDelaySteps: Int
    /// The dynamics given to each piece's drawn notes (nil where none was imposed).
    public var dynamics: [PieceDynamics?]
    /// Lines for people about what was done beyond the obvious (the grid shift, where the
    /// dynamics came from), in the order they happened.
    public var notes: [String]

    /// The pieces as Standard MIDI Files, in order: the bytes `fractalmidi` writes.
    public var midiFiles: [Data] {
        pieces.map { $0.midiFile().encoded() }
    }
}
