import Foundation
import FractalModel
import ModelStore
import PianoRoll

/// How far a generation has come, reported after every top-level step of the model.
public struct GenerationProgress: Sendable {
    /// The window of the long-piece plan being drawn (0 first) and the plan's windows.
    public let window: Int, windows: Int
    /// Top-level steps of the model done in this window (1 …) and in each window.
    public let step: Int, stepsPerWindow: Int
    /// The pieces as they stand (pitch-major, on the request's grid; cells not drawn yet are
    /// silent), when the request asks for them (``GenerationRequest/reportsIntermediateRolls``).
    public let rolls: [[UInt8]]?

    /// Steps done over the whole plan.
    public var completedSteps: Int { window * stepsPerWindow + step }
    /// Steps of the whole plan.
    public var totalSteps: Int { windows * stepsPerWindow }
}

/// The whole way from a ``GenerationRequest`` to pieces, as `generate`, `continue`, `inpaint`
/// and the trainer's previews take it:
///
/// 1. the known cells move onto the 8th-note grid the model learned (``RollDelay``) when the
///    known notes sit a 16th off the beat;
/// 2. a piece longer than the model's width is drawn in overlapping windows
///    (``LongPiecePlan``), each continuing the one before, window `i` with the seed
///    `seed + i · 0x9E3779B97F4A7C15` so that windows do not repeat each other's draws;
/// 3. the model draws each window (``FractalGenerativeModel/sample(count:labels:known:options:onProgress:isCancelled:)``:
///    guidance, note continuity, the key guide, temperature, nucleus, the seam pass);
/// 4. the pieces move back to the request's grid, and their drawn notes get their dynamics
///    (the kept notes', or a draw from the model's training music of the style).
public struct GenerationPipeline {
    /// The model that draws.
    public let model: TrainedModel

    /// A pipeline drawing with `model`.
    public init(model: TrainedModel) {
        self.model = model
    }

    /// The seed of window `index` for a request seeded with `seed`.
    public static func windowSeed(_ seed: UInt64, window index: Int) -> UInt64 {
        seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
    }

    /// Draws the pieces `request` asks for.
    /// - Parameters:
    ///   - onProgress: called after every top-level step of the model.
    ///   - isCancelled: asked after every top-level step; when it answers `true` the
    ///     generation stops and throws ``GenerationError/cancelled``.
    /// - Throws: ``GenerationError`` when the request does not fit the model, or on cancellation.
    public func run(_ request: GenerationRequest, onProgress: ((GenerationProgress) -> Void)? = nil,
                    isCancelled: (() -> Bool)? = nil) throws(GenerationError) -> GenerationResult {
        let piece = request.piece, count = request.count
        guard count >= 1 else { throw .invalidRequest("count \(count) must be at least 1; ask for one piece or more") }
        let styleClass: Int
        do {
            styleClass = try model.styleClass(request.style)
        } catch {
            throw .invalidRequest(error.description)
        }
        guard model.config.model.velocityBins == piece.velocityBins else {
            throw .invalidRequest("the input roll has \(piece.velocityBins) velocity bins but the model \(model.config.model.velocityBins)")
        }
        let options = (request.sampling ?? model.config.sampling).seeded(request.seed)
        var notes: [String] = []
        let delay = RollDelay(steps: piece.steps, delay: request.modelDelaySteps)
        if delay.delay > 0 {
            notes.append("8th-note grid: the input's notes sit a 16th off its beats; the model draws the piece \(delay.delay) "
                         + "step\(delay.delay == 1 ? "" : "s") later, and the output keeps the input's timing")
        }
        let cells = delay.later(piece.codes, padding: PianoRoll.Cell.silentCode)
        let known = delay.later(request.known, padding: true)
        let width = model.model.width
        let plan: LongPiecePlan
        do {
            plan = try LongPiecePlan(pieceSteps: piece.steps + delay.delay, width: width, overlap: width / 2,
                                     unknownSteps: Self.unknownSteps(known, steps: piece.steps + delay.delay))
        } catch {
            throw .invalidRequest(error.description)
        }
        let labels = [Int32](repeating: Int32(styleClass), count: count)
        let windows = plan.windows.count
        var latestRolls: [[UInt8]]?
        let drawn: [[UInt8]]
        do throws(SamplingError) {
            drawn = try LongPieceGeneration.run(
                plan: plan,
                cells: Array(repeating: cells, count: count),
                known: Array(repeating: known, count: count),
                onFrame: request.reportsIntermediateRolls ? { rolls in latestRolls = rolls.map { delay.back($0) } } : nil,
                sampleWindow: { input, frame throws(SamplingError) in
                    if isCancelled?() == true { throw SamplingError.cancelled }
                    let windowOptions = options.seeded(Self.windowSeed(options.seed, window: input.index))
                    return try model.model.sample(
                        count: count, labels: labels, known: KnownContent(cells: input.cells, mask: input.known),
                        options: windowOptions,
                        onProgress: { progress in
                            frame(progress.rolls)
                            onProgress?(GenerationProgress(window: input.index, windows: windows, step: progress.step,
                                                           stepsPerWindow: progress.steps, rolls: latestRolls))
                        },
                        isCancelled: isCancelled)
                })
        } catch {
            if error == .cancelled { throw .cancelled }
            throw .invalidRequest("cannot sample with this model: \(error.description)")
        }
        var tempoMap = piece.tempoMap
        if let bpm = request.beatsPerMinute { tempoMap = [PianoRoll.TempoChange(step: 0, beatsPerMinute: bpm)] }
        let dynamics = PieceDynamicsChoice(request: request, model: model, styleClass: styleClass, seed: options.seed)
        if let note = dynamics.note { notes.append(note) }
        var pieces: [PianoRoll] = []
        var imposed: [PieceDynamics?] = []
        for (index, roll) in drawn.enumerated() {
            var codes = delay.back(roll)
            let pieceDynamics = dynamics.dynamics(ofPiece: index)
            pieceDynamics?.impose(on: &codes, velocityBins: piece.binning, where: { !request.known[$0] })
            imposed.append(pieceDynamics)
            do {
                pieces.append(try PianoRoll(steps: piece.steps, velocityBins: piece.velocityBins, codes: codes,
                                            tempoMap: tempoMap, timeSignatures: piece.timeSignatures))
            } catch {
                throw .invalidRequest("the model produced an invalid roll (\(error)); check that it was trained with \(piece.velocityBins) velocity bins")
            }
        }
        return GenerationResult(pieces: pieces, options: options,
                                windowSeeds: plan.windows.indices.map { Self.windowSeed(options.seed, window: $0) },
                                styleClass: styleClass, style: model.styleName(ofClass: styleClass),
                                modelDelaySteps: delay.delay, dynamics: imposed, notes: notes)
    }

    /// The steps holding a cell to draw: from the first to the last (empty when all are known).
    static func unknownSteps(_ known: [Bool], steps: Int) -> Range<Int> {
        var first = steps, last = -1
        for (index, isKnown) in known.enumerated() where !isKnown {
            let step = index % steps
            first = min(first, step)
            last = max(last, step)
        }
        return last < 0 ? 0..<0 : first..<(last + 1)
    }
}
