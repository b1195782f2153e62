import PianoRoll

/// Cells that generation must keep: `cells` holds `count × 128 × width` codes
/// (each roll pitch-major, as `PianoRoll.codes`) and `mask` marks the cells that are known.
/// Output cells marked known are bit-for-bit these cells. Continuation marks the first
/// steps of every pitch; inpainting marks everything outside the regions to regenerate.
public struct KnownContent: Sendable, Equatable {
    /// The given cells (only the known ones matter).
    public var cells: [UInt8]
    /// `true` where the cell is known.
    public var mask: [Bool]

    /// Known content from cells and a mask of the same size.
    public init(cells: [UInt8], mask: [Bool]) {
        self.cells = cells
        self.mask = mask
    }

    /// The first `steps` time steps of each 128 × `width` roll known (a continuation prompt).
    public init(prefixOf cells: [UInt8], width: Int, steps: Int) {
        self.cells = cells
        self.mask = (0..<cells.count).map { $0 % width < steps }
    }
}

/// The canvas of level 0 after one of its steps, for animations of the coarse-to-fine process.
public struct SamplingProgress: Sendable {
    /// Level-0 steps done (1 …).
    public let step: Int
    /// Level-0 steps in all.
    public let steps: Int
    /// The rolls so far (`128 × width` codes each); cells not yet generated are silent.
    public let rolls: [[UInt8]]
}

/// Generation that cannot start: one line naming the problem and the fix.
public struct SamplingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong and how to fix it.
    public let message: String
    /// Creates an error with the given message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
    /// Sampling stopped because the caller asked it to (`isCancelled` answered `true`).
    public static let cancelled = SamplingError("sampling was cancelled")
}
