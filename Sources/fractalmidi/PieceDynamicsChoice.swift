import Engine
import PianoRoll
import Training

/// The dynamics the generated notes of each piece get (docs/ROLL-RULES.md, "Dynamics"): those
/// of the input's kept notes when it has at least ``minimumKnownNotes``, else one drawn per
/// piece from the model's training music of the piece's style; none for a model whose
/// checkpoint has no dynamics table (its velocities stay as drawn).
struct PieceDynamicsChoice {
    /// The fewest kept notes whose dynamics the generated notes follow.
    static let minimumKnownNotes = DynamicsTable.minimumNotesPerCrop

    /// The input's dynamics, when it has enough kept notes.
    let input: PieceDynamics?
    /// The table pieces draw from otherwise.
    let table: DynamicsTable?
    /// The style they draw for (nil for a model with unnamed styles).
    let style: String?
    /// The run's seed, from which each piece's draw comes.
    let seed: UInt64

    init(job: GenerationJob, model: GenerationModel, styleClass: Int, seed: UInt64) {
        input = PieceDynamics(codes: job.piece.codes, velocityBins: job.piece.binning,
                              minimumNotes: Self.minimumKnownNotes, where: { job.known[$0] })
        table = model.dynamics
        style = model.styleName(ofClass: styleClass)
        self.seed = seed
    }

    /// One line for the user: where the dynamics come from, when it is worth saying.
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

    /// Gives the generated (not `known`) notes of piece `index` its dynamics.
    func impose(onPiece index: Int, codes: inout [UInt8], known: [Bool], velocityBins: PianoRoll.VelocityBins) {
        dynamics(ofPiece: index)?.impose(on: &codes, velocityBins: velocityBins, where: { !known[$0] })
    }
}
