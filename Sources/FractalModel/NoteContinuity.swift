import PianoRoll

/// Keeps every generated note whole: in the data a sustain cell always continues the note
/// of the previous step, but a patch's lower levels see its neighbours only through the
/// conditions handed down, so at a patch border the head can draw a sustain where the cell
/// before is silent (a note with no onset, which MIDI export would strike at a default
/// velocity). This tracks every cell of the rolls decided so far (known, or sampled at any
/// level) and settles each draw:
/// - silent is not drawn when the next step of the pitch is already a sustain (the note
///   there must start at or before this cell);
/// - a sustain whose previous step is silent, or that opens a roll, is the model saying that
///   a note sounds here: it becomes an onset, with the velocity the head drew for the cell.
///   Where the previous step is not decided yet, the cell waits until it is
///   (``repairOrphans(in:)``).
public struct NoteContinuity: LogitProcessor {
    private var cells: [UInt8]
    private var decided: [Bool]
    private let width: Int
    /// Sampled sustains whose previous step was undecided when drawn, with their velocity bins.
    private var pending: [(position: Int, velocityBin: Int)] = []

    /// Continuity over rolls of `width` steps whose cells marked in `decided` are fixed.
    public init(cells: [UInt8], decided: [Bool], width: Int) {
        self.cells = cells
        self.decided = decided
        self.width = width
    }

    /// State logits (silent, sustain, onset) of the cell at roll index `position`, with
    /// silent set to −∞ when the next step of the pitch is a decided sustain.
    public func process(_ scores: inout DrawScores, in context: DrawContext) {
        scores.logits = restrict(scores.logits, at: context.position)
    }

    /// `logits` with silent ruled out where the next step is a decided sustain.
    func restrict(_ logits: [Float], at position: Int) -> [Float] {
        var result = logits
        if position % width < width - 1 && decided[position + 1] && cells[position + 1] == PianoRoll.Cell.sustainCode {
            result[Int(PianoRoll.Cell.silentCode)] = -.infinity
        }
        return result
    }

    /// Whether a decided note sounds at the step before roll index `position` (a sustain
    /// there continues it).
    public func continuesNote(at position: Int) -> Bool {
        position % width > 0 && decided[position - 1] && cells[position - 1] != PianoRoll.Cell.silentCode
    }

    /// The code of the cell at roll index `position` for a drawn `state` (0 silent, 1 sustain,
    /// 2 onset) and the velocity bin drawn beside it, now decided: a sustain that cannot
    /// continue a note is an onset.
    public mutating func settle(state: Int, velocityBin: Int, at position: Int) -> UInt8 {
        let onset = PianoRoll.Cell.firstOnsetCode + UInt8(velocityBin)
        var code = state == 2 ? onset : UInt8(state)
        if code == PianoRoll.Cell.sustainCode {
            if position % width == 0 || (decided[position - 1] && cells[position - 1] == PianoRoll.Cell.silentCode) {
                code = onset
            } else if !decided[position - 1] {
                pending.append((position, velocityBin))
            }
        }
        cells[position] = code
        decided[position] = true
        return code
    }

    /// Turns the waiting sustains whose previous step is now decided silent into onsets in
    /// `rolls` (the `sample` call's rolls); those whose previous step is still open wait on.
    mutating func repairOrphans(in rolls: inout [UInt8]) {
        pending.removeAll { entry in
            let before = entry.position - 1
            guard decided[before] else { return false }
            if cells[before] == PianoRoll.Cell.silentCode {
                let onset = PianoRoll.Cell.firstOnsetCode + UInt8(entry.velocityBin)
                cells[entry.position] = onset
                rolls[entry.position] = onset
            }
            return true
        }
    }
}
