import PianoRoll

/// How often notes end exactly on a border of a grid of patches in time: the seam a patch-based
/// sampler leaves where a patch's notes break off instead of carrying into the next patch.
///
/// A note ends on a border when the step after its last one is a multiple of `period` (a
/// level's patch width in steps). Only notes that end inside their roll count: a note cut by
/// the roll's end says nothing about the model. Real music ends notes on bar and beat lines
/// often, so the share means something only beside real music's share at the same period.
public struct BorderEndings: Sendable, Equatable {
    /// The border spacing in steps.
    public let period: Int
    /// Notes that end inside their roll.
    public private(set) var notes = 0
    /// Of those, the notes that end exactly on a border.
    public private(set) var onBorder = 0

    /// An empty count for borders every `period` steps (at least 1).
    public init(period: Int) {
        precondition(period >= 1, "the border period must be at least 1 step")
        self.period = period
    }

    /// The count of the notes of `rolls`.
    public init(period: Int, rolls: [PianoRoll]) {
        self.init(period: period)
        for roll in rolls { add(roll) }
    }

    /// Counts the notes of `roll`.
    public mutating func add(_ roll: PianoRoll) {
        for note in roll.notes where note.endStep < roll.steps {
            notes += 1
            if note.endStep % period == 0 { onBorder += 1 }
        }
    }

    /// The share of the counted notes that end on a border (0 when none was counted).
    public var share: Double {
        notes == 0 ? 0 : Double(onBorder) / Double(notes)
    }
}
