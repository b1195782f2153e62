/// A piano part as a grid of 128 pitches × `steps` time steps, one step being a 16th note
/// (a quarter of a beat), with the tempo map and time signatures needed to play it back.
///
/// Each cell is silent, a sustain (the note from the previous step continues) or an onset
/// with a velocity bin (see ``Cell``). Cells are stored compactly in ``codes``, one byte per
/// cell, pitch-major: the cell at (`pitch`, `step`) is `codes[pitch * steps + step]`, coded
/// 0 silent, 1 sustain, `2 + b` onset in velocity bin `b` (`0 ≤ b < velocityBins`).
///
/// A sustain cell normally follows an onset or sustain of the same pitch. A sustain with no
/// note to continue (at step 0, or after a silent cell; only hand-built or generated rolls
/// have one) is read as the onset of a note in the default velocity bin
/// (``VelocityBins/defaultBin``). The full set of rules is in docs/ROLL-RULES.md.
public struct PianoRoll: Sendable, Hashable {
    /// The number of pitches: MIDI notes 0…127.
    public static let pitchCount = 128
    /// Time steps per beat: one step is a 16th note.
    public static let stepsPerBeat = 4

    /// The longest roll a MIDI file converts to: 2²⁰ steps (65 536 bars of 4/4, about 36
    /// hours at 120 beats per minute; 128 MiB of cells). Longer means a damaged file.
    public static let maximumSteps = 1 << 20

    /// The number of time steps.
    public let steps: Int
    /// The number of velocity bins that onsets are coded with.
    public let velocityBins: Int
    /// The cell codes, pitch-major (`codes[pitch * steps + step]`): 0 silent, 1 sustain,
    /// `2 + b` onset in velocity bin `b`.
    public private(set) var codes: [UInt8]

    /// Tempo changes, sorted by step. Always starts at step 0; assignments are normalised
    /// (see ``TempoChange``).
    public var tempoMap: [TempoChange] {
        didSet { tempoMap = TempoChange.normalized(tempoMap, steps: steps) }
    }

    /// Time-signature changes, sorted by step. Always starts at step 0; assignments are
    /// normalised (see ``TimeSignature``).
    public var timeSignatures: [TimeSignature] {
        didSet { timeSignatures = TimeSignature.normalized(timeSignatures, steps: steps) }
    }

    /// A silent roll of `steps` steps; an empty tempo map means 120 beats per minute, empty
    /// time signatures mean 4/4.
    public init(
        steps: Int,
        velocityBins: Int = VelocityBins.defaultCount,
        tempoMap: [TempoChange] = [],
        timeSignatures: [TimeSignature] = []
    ) throws(PianoRollError) {
        try self.init(
            steps: steps, velocityBins: velocityBins,
            codes: [UInt8](repeating: Cell.silentCode, count: Self.pitchCount * max(steps, 0)),
            tempoMap: tempoMap, timeSignatures: timeSignatures)
    }

    /// A roll from its cell codes (pitch-major, `codes[pitch * steps + step]`, coded as in
    /// ``codes``); throws when the count or a code is wrong.
    public init(
        steps: Int,
        velocityBins: Int = VelocityBins.defaultCount,
        codes: [UInt8],
        tempoMap: [TempoChange] = [],
        timeSignatures: [TimeSignature] = []
    ) throws(PianoRollError) {
        guard steps >= 0 else { throw PianoRollError.negativeStepCount(steps) }
        _ = try VelocityBins(count: velocityBins)
        guard codes.count == Self.pitchCount * steps else {
            throw PianoRollError.codeCountMismatch(steps: steps, count: codes.count)
        }
        let largestCode = Cell.firstOnsetCode + UInt8(velocityBins - 1)
        if let index = codes.firstIndex(where: { $0 > largestCode }) {
            throw PianoRollError.invalidCode(
                codes[index], pitch: index / steps, step: index % steps, velocityBins: velocityBins)
        }
        self.init(unchecked: steps, velocityBins: velocityBins, codes: codes,
                  tempoMap: tempoMap, timeSignatures: timeSignatures)
    }

    /// A roll from already-validated parts.
    init(unchecked steps: Int, velocityBins: Int, codes: [UInt8],
         tempoMap: [TempoChange], timeSignatures: [TimeSignature]) {
        self.steps = steps
        self.velocityBins = velocityBins
        self.codes = codes
        self.tempoMap = TempoChange.normalized(tempoMap, steps: steps)
        self.timeSignatures = TimeSignature.normalized(timeSignatures, steps: steps)
    }

    /// The number of distinct cell codes, `2 + velocityBins` (silent, sustain, one onset per
    /// bin): the number of classes a model predicting cells chooses from.
    public var cellCodeCount: Int {
        Int(Cell.firstOnsetCode) + velocityBins
    }

    /// The velocity binning of this roll's onsets.
    public var binning: VelocityBins {
        // velocityBins is validated by every initialiser.
        try! VelocityBins(count: velocityBins)
    }

    /// The cell at (`pitch`, `step`); both must lie on the roll.
    public subscript(pitch pitch: Int, step step: Int) -> Cell {
        get {
            precondition(Self.pitchRange.contains(pitch) && (0..<steps).contains(step),
                         "cell (pitch \(pitch), step \(step)) outside the roll (128 × \(steps))")
            return Cell(code: codes[pitch * steps + step])
        }
        set {
            precondition(Self.pitchRange.contains(pitch) && (0..<steps).contains(step),
                         "cell (pitch \(pitch), step \(step)) outside the roll (128 × \(steps))")
            if case .onset(let bin) = newValue {
                precondition((0..<velocityBins).contains(bin),
                             "velocity bin \(bin) outside 0..<\(velocityBins)")
            }
            codes[pitch * steps + step] = newValue.code
        }
    }

    /// The MIDI pitches, 0…127.
    public static let pitchRange: ClosedRange<Int> = 0...127

    /// The number of beats the roll lasts.
    public var beats: Double {
        Double(steps) / Double(Self.stepsPerBeat)
    }
}
