import Engine
import ModelStore
import PianoRoll

/// The dynamics the drawn notes of each piece get (docs/ROLL-RULES.md, "Dynamics"): those of
/// the request's kept notes when it has at least ``minimumKnownNotes``, else one drawn per
/// piece from the model's training music of the piece's style; none for a model whose
/// checkpoint has no dynamics table (its velocities stay as drawn).
///
/// The network decides which notes are louder than others but, left alone, draws every piece
/// at about its training music's average loudness; this gives each piece a loudness of its own.
struct PieceDynamicsChoice {
    /// The fewest kept notes whose dynamics the drawn notes follow.
    static let minimumKnownNotes = DynamicsTable.minimumNotesPerCrop

    /// The input's dynamics, when it has enough kept notes.
    let input: PieceDynamics?
    /// The table pieces draw from otherwise.
    let table: DynamicsTable?
    /// The style they draw for (nil for a model with unnamed styles).
    let style: String?
    /// The request's seed, from which each piece's draw comes.
    let seed: UInt64

    init(request: GenerationRequest, model: TrainedModel, styleClass: Int, seed: UInt64) {
        input = PieceDynamics(codes: request.piece.codes, velocityBins: request.piece.binning,
                              minimumNotes: Self.minimumKnownNotes, where: { request.known[$0] })
        table = model.dynamics
        style = model.styleName(ofClass: styleClass)
        self.seed = seed
    }

    /// One line for people: where the dynamics come from, when it is worth saying.
    var note: String? {
        if let input {
            return "dynamics: the input's (mean velocity \(Int(input.meanVelocity.rounded())), spread \(Int(input.velocitySpread.rounded())))"
        }
        if table == nil {
            return "dynamics: this model's checkpoint has no dynamics table (written by an older fractalmidi); velocities are as drawn"
        }
        return nil
    }

    /// The dynamics of piece `index`: the input's, or a draw from the table that depends only
    /// on the seed and the index.
    func dynamics(ofPiece index: Int) -> PieceDynamics? {
        if let input { return input }
        var generator = Engine.RandomGenerator(seed: seed).stream(0xD1_4A_11C5).stream(UInt64(index))
        return table?.draw(for: style, using: &generator)
    }
}
