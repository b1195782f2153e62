import Foundation
import PianoRoll

/// Keeps generated notes in their piece's key: the network holds a key only loosely (it puts
/// many more notes outside its context's scale than real music does), so each roll counts the pitch classes of its decided onsets (known, or sampled)
/// and, once it has ``minimumNotes``, takes the major scale holding most of them as its key
/// (the twelve major scales are also the natural minor ones) and multiplies the probability of
/// a new note outside it by `weight` (``SamplingOptions/offScaleWeight``).
public struct KeyGuide: LogitProcessor {
    /// The decided onsets a roll needs before its scale guides the draws.
    public static let minimumNotes = 16

    private let width: Int
    private let penalty: Float
    /// Onsets per pitch class, 12 per roll.
    private var counts: [Int]
    /// The scale of each roll as a 12-bit set of pitch classes (0 while it has too few notes).
    private var scales: [UInt16]

    /// A guide over rolls of `width` steps starting from the onsets among `cells` marked in
    /// `decided`; a `weight` of 1 changes nothing.
    public init(cells: [UInt8], decided: [Bool], width: Int, weight: Double) {
        self.width = width
        penalty = weight < 1 ? Float(Foundation.log(max(weight, 1e-12))) : 0
        let rolls = cells.count / (PianoRoll.pitchCount * width)
        counts = [Int](repeating: 0, count: rolls * 12)
        scales = [UInt16](repeating: 0, count: rolls)
        guard penalty != 0 else { return }
        for (position, code) in cells.enumerated() where decided[position] && code >= PianoRoll.Cell.firstOnsetCode {
            counts[pitchClassSlot(position)] += 1
        }
        for roll in 0..<rolls { updateScale(of: roll) }
    }

    private func pitchClassSlot(_ position: Int) -> Int {
        let rollCells = PianoRoll.pitchCount * width
        return position / rollCells * 12 + (position % rollCells) / width % 12
    }

    /// The pitch classes of the major scale on C (C D E F G A B) as a 12-bit set; the scale on
    /// pitch class `k` is this set rotated by `k`.
    static let majorScale: UInt16 = 0b1010_1011_0101

    private mutating func updateScale(of roll: Int) {
        let row = Array(counts[(roll * 12)..<(roll * 12 + 12)])
        guard row.reduce(0, +) >= Self.minimumNotes else { return }
        var best: (notes: Int, scale: UInt16) = (-1, 0)
        for tonic in 0..<12 {
            let scale = ((Self.majorScale << UInt16(tonic)) | (Self.majorScale >> UInt16(12 - tonic))) & 0xFFF
            let notes = (0..<12).reduce(0) { scale & (1 << UInt16($1)) != 0 ? $0 + row[$1] : $0 }
            if notes > best.notes { best = (notes, scale) }
        }
        scales[roll] = best.scale
    }

    /// State logits (silent, sustain, onset) of the cell at roll index `position`, with a new
    /// note made `weight` times as likely when its pitch class is outside its roll's scale: the
    /// onset, and the sustain unless it is `continuingNote` (a decided note sounds at the
    /// previous step), since a sustain with nothing before it becomes a note too.
    public func process(_ scores: inout DrawScores, in context: DrawContext) {
        scores.logits = restrict(scores.logits, at: context.position, continuingNote: context.followsSoundingNote)
    }

    /// `logits` with the key's penalty on a new note outside the scale (see ``process(_:in:)``).
    func restrict(_ logits: [Float], at position: Int, continuingNote: Bool) -> [Float] {
        guard penalty != 0 else { return logits }
        let slot = pitchClassSlot(position)
        let scale = scales[slot / 12]
        guard scale != 0, scale & (1 << UInt16(slot % 12)) == 0 else { return logits }
        var result = logits
        result[2] += penalty
        if !continuingNote { result[1] += penalty }
        return result
    }

    /// Counts the cell at `position` now decided as `code`.
    public mutating func record(_ code: UInt8, at position: Int) {
        guard penalty != 0, code >= PianoRoll.Cell.firstOnsetCode else { return }
        let slot = pitchClassSlot(position)
        counts[slot] += 1
        updateScale(of: slot / 12)
    }
}
