import PianoRoll

/// How a piece longer than the model's width is generated: in
/// windows of the model's width, each one continuing the one before it with an overlap of
/// known steps.
///
/// The first window starts `overlap` steps before the first step to generate (so it sees
/// that much of the given music, when there is any); each next window starts `width − overlap`
/// steps later; the last one is moved back to end with the piece. A piece no longer than the
/// width is one window, `0 ..< width`, whose steps past the piece's end are generated and then
/// dropped.
public struct LongPiecePlan: Sendable, Equatable {
    /// One window: the piece's steps it covers and how many of its first steps earlier windows
    /// have already fixed.
    public struct Window: Sendable, Equatable {
        /// The steps of the piece the window covers (`width` of them; past the piece's end
        /// when the piece is shorter than one window).
        public let steps: Range<Int>
        /// Leading steps of the window that earlier windows generated (0 for the first).
        public let knownOverlap: Int

        /// A window over `steps` whose first `knownOverlap` steps are already generated.
        public init(steps: Range<Int>, knownOverlap: Int) {
            self.steps = steps
            self.knownOverlap = knownOverlap
        }
    }

    /// The piece's length in steps.
    public let pieceSteps: Int
    /// The model's width: the steps of every window.
    public let width: Int
    /// The windows, in the order they are generated.
    public let windows: [Window]

    /// The windows that generate the steps `unknownSteps` of a piece `pieceSteps` long with a
    /// model `width` steps wide, consecutive windows sharing `overlap` steps (half a window is
    /// a good choice). No windows when `unknownSteps` is empty.
    /// - Throws: ``LongPieceError`` when a length is not positive, the overlap does not lie in
    ///   `0 ..< width`, or `unknownSteps` leaves the piece.
    public init(pieceSteps: Int, width: Int, overlap: Int, unknownSteps: Range<Int>) throws(LongPieceError) {
        guard pieceSteps > 0 else { throw .emptyPiece }
        guard width > 0 else { throw .nonPositiveWidth(width) }
        guard (0..<width).contains(overlap) else { throw .overlapOutsideWindow(overlap: overlap, width: width) }
        guard unknownSteps.lowerBound >= 0, unknownSteps.upperBound <= pieceSteps else {
            throw .unknownStepsOutsidePiece(unknownSteps, pieceSteps: pieceSteps)
        }
        self.pieceSteps = pieceSteps
        self.width = width
        guard !unknownSteps.isEmpty else {
            windows = []
            return
        }
        guard pieceSteps > width else {
            windows = [Window(steps: 0..<width, knownOverlap: 0)]
            return
        }
        let lastStart = pieceSteps - width
        var windows: [Window] = []
        var start = min(max(unknownSteps.lowerBound - overlap, 0), lastStart)
        var generatedEnd = start
        while true {
            windows.append(Window(steps: start..<(start + width), knownOverlap: generatedEnd - start))
            generatedEnd = start + width
            if generatedEnd >= unknownSteps.upperBound { break }
            start = min(start + width - overlap, lastStart)
        }
        self.windows = windows
    }
}

/// A long-piece plan that cannot be made.
public enum LongPieceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The piece has no steps.
    case emptyPiece
    /// The model's width is not positive.
    case nonPositiveWidth(Int)
    /// The overlap is negative or not shorter than a window.
    case overlapOutsideWindow(overlap: Int, width: Int)
    /// The steps to generate reach outside the piece.
    case unknownStepsOutsidePiece(Range<Int>, pieceSteps: Int)

    public var description: String {
        switch self {
        case .emptyPiece:
            "the piece to generate has no steps; ask for at least one bar"
        case .nonPositiveWidth(let width):
            "window width \(width) is not positive; the model's width must be at least 1 step"
        case .overlapOutsideWindow(let overlap, let width):
            "window overlap \(overlap) must lie in 0..<\(width) (the window width); use e.g. \(width / 2)"
        case .unknownStepsOutsidePiece(let steps, let pieceSteps):
            "steps \(steps.lowerBound)..<\(steps.upperBound) to generate reach outside the piece's \(pieceSteps) steps"
        }
    }
}

/// Runs a ``LongPiecePlan``: generates each window with a sampler and stitches the results
/// into whole pieces.
///
/// Every cell is written once: given cells (marked known) are never changed, and the cells a
/// window generates are fixed (known) for the windows after it, so consecutive windows join
/// without gaps and without notes played twice.
public enum LongPieceGeneration {
    /// One window handed to the sampler: `count` rolls of `128 × width` cells, pitch-major,
    /// concatenated, with a flag per cell saying whether it is known.
    public struct WindowInput: Sendable {
        /// The window of the plan (its position in the piece).
        public let window: LongPiecePlan.Window
        /// Its index in the plan.
        public let index: Int
        /// `count × 128 × width` codes; unknown cells are silent.
        public let cells: [UInt8]
        /// `count × 128 × width` flags, `true` where the cell must be kept.
        public let known: [Bool]
    }

    /// The pieces the plan generates from `cells` (one `128 × plan.pieceSteps` roll per piece,
    /// pitch-major) keeping the cells `known` marks.
    ///
    /// - Parameters:
    ///   - sampleWindow: generates one window: returns one `128 × width` roll per piece whose
    ///     cells marked known are the given ones. Its second argument forwards intermediate
    ///     window rolls (for example the model's level-0 progress) to `onFrame`.
    ///   - onFrame: called with the whole pieces as they stand, with a window's intermediate
    ///     rolls written in.
    public static func run<Failure: Error>(
        plan: LongPiecePlan,
        cells: [[UInt8]],
        known: [[Bool]],
        onFrame: (([[UInt8]]) -> Void)? = nil,
        sampleWindow: (WindowInput, _ frame: @escaping ([[UInt8]]) -> Void) throws(Failure) -> [[UInt8]]
    ) throws(Failure) -> [[UInt8]] {
        let pitches = PianoRoll.pitchCount, steps = plan.pieceSteps, width = plan.width
        precondition(cells.count == known.count && cells.allSatisfy { $0.count == pitches * steps }
            && known.allSatisfy { $0.count == pitches * steps }, "pieces must be 128 × \(steps) cells with a flag each")
        var pieces = zip(cells, known).map { cells, known in zip(cells, known).map { $1 ? $0 : PianoRoll.Cell.silentCode } }
        var fixed = known
        for (index, window) in plan.windows.enumerated() {
            let start = window.steps.lowerBound
            let covered = start..<min(window.steps.upperBound, steps)
            var windowCells = [UInt8](repeating: PianoRoll.Cell.silentCode, count: pieces.count * pitches * width)
            var windowKnown = [Bool](repeating: false, count: pieces.count * pitches * width)
            for piece in pieces.indices {
                for pitch in 0..<pitches {
                    let source = pitch * steps, target = (piece * pitches + pitch) * width - start
                    for step in covered {
                        windowCells[target + step] = pieces[piece][source + step]
                        windowKnown[target + step] = fixed[piece][source + step]
                    }
                }
            }
            if !windowKnown.contains(false) { continue }
            let current = pieces
            let frame: ([[UInt8]]) -> Void = { rolls in
                guard let onFrame else { return }
                onFrame(Self.write(rolls, window: start, covered: covered, width: width, into: current))
            }
            let rolls = try sampleWindow(WindowInput(window: window, index: index, cells: windowCells, known: windowKnown), frame)
            precondition(rolls.count == pieces.count && rolls.allSatisfy { $0.count == pitches * width },
                         "the sampler must return one 128 × \(width) roll per piece")
            for piece in pieces.indices {
                for pitch in 0..<pitches {
                    let base = pitch * steps
                    for step in covered where !fixed[piece][base + step] {
                        pieces[piece][base + step] = rolls[piece][pitch * width + step - start]
                        fixed[piece][base + step] = true
                    }
                }
            }
            onFrame?(pieces)
        }
        return pieces
    }

    /// `pieces` with the unknown-so-far cells of window steps `covered` taken from `rolls`.
    private static func write(_ rolls: [[UInt8]], window start: Int, covered: Range<Int>, width: Int,
                              into pieces: [[UInt8]]) -> [[UInt8]] {
        var result = pieces
        let steps = pieces.first.map { $0.count / PianoRoll.pitchCount } ?? 0
        for piece in result.indices where piece < rolls.count {
            for pitch in 0..<PianoRoll.pitchCount {
                for step in covered {
                    result[piece][pitch * steps + step] = rolls[piece][pitch * width + step - start]
                }
            }
        }
        return result
    }
}
