import Foundation
import Generation
import ModelStore
import PianoRoll

/// One event of a running job, sent to the page as one line of JSON (`type` says which).
public struct StudioEvent: Codable, Sendable, Equatable {
    /// `queued`, `started`, `progress`, `done` or `error`.
    public var type: String
    /// Jobs ahead of this one, and this one (`queued`).
    public var position: Int?
    /// Top-level model steps done and in all, seconds spent and still expected (`progress`).
    public var done: Int?, total: Int?
    public var elapsed: Double?, eta: Double?
    /// The takes as drawn so far (`progress`, at most a few times a second) or when done.
    public var pieces: [StudioPiece]?
    public var takes: [StudioPiece]?
    /// The seed used and the seconds the job took (`done`).
    public var seed: UInt64?, seconds: Double?
    /// Lines about what the pipeline did beyond the obvious (`done`), or the error (`error`).
    public var notes: [String]?
    public var message: String?

    public init(type: String) { self.type = type }

    public static func queued(_ position: Int) -> StudioEvent {
        var event = StudioEvent(type: "queued")
        event.position = position
        return event
    }

    public static func error(_ message: String) -> StudioEvent {
        var event = StudioEvent(type: "error")
        event.message = message
        return event
    }
}

/// A flag a job's generation reads after every step; set it when the job's listener goes away.
public final class JobCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    /// Asks the job to stop: a waiting job leaves the line, a running one stops after its step.
    public func cancel() { lock.withLock { cancelled = true } }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { lock.withLock { cancelled } }
}

/// Runs the studio's generation jobs one at a time, in the order they arrive, each on a
/// thread of its own (the model's work is long and synchronous, so it stays off the server's
/// threads). A cancelled job leaves the line, or stops after the model's current step.
public actor GenerationQueue {
    /// The model, used by one job at a time: the queue's order is what makes handing it to
    /// the job's thread safe.
    final class ModelBox: @unchecked Sendable {
        let model: TrainedModel
        init(_ model: TrainedModel) { self.model = model }
    }

    private let box: ModelBox
    private var waiting: [UUID] = []
    private var running: UUID?

    /// A queue that draws with the model in `box`.
    init(box: ModelBox) {
        self.box = box
    }

    /// A queue that draws with `model`, which it then owns: nothing else may use the model.
    public static func drawing(with model: TrainedModel) -> GenerationQueue {
        GenerationQueue(box: ModelBox(model))
    }

    /// Jobs waiting, and whether one runs: what a new job would wait behind.
    public var length: Int { waiting.count + (running == nil ? 0 : 1) }

    /// The events of `request`, which joins the line now: `queued` twice a second while it
    /// waits, then `started`, `progress` and `done` or `error`. The stream ends after the last
    /// event. Cancelling `cancellation` takes the job out of the line or stops it.
    public nonisolated func events(for request: GenerationRequest, cancellation: JobCancellation) -> AsyncStream<StudioEvent> {
        let (stream, continuation) = AsyncStream<StudioEvent>.makeStream(bufferingPolicy: .bufferingNewest(8))
        Task { await self.drive(request, cancellation: cancellation, events: continuation) }
        return stream
    }

    private func drive(_ request: GenerationRequest, cancellation: JobCancellation, events: AsyncStream<StudioEvent>.Continuation) async {
        let id = UUID()
        waiting.append(id)
        while let position = position(of: id) {
            if cancellation.isCancelled {
                waiting.removeAll { $0 == id }
                events.finish()
                return
            }
            events.yield(.queued(position))
            try? await Task.sleep(nanoseconds: 500_000_000)
        }
        let box = box
        // The thread, not the listener, frees the queue: the next job starts only when this
        // one's model work has ended, however its listener left.
        let thread = Thread {
            Self.generate(request, with: box.model, cancellation: cancellation, events: events)
            Task {
                await self.finish(id)
                events.finish()
            }
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// The job's place in line (1 = next), or nil once it may start (then it is running).
    private func position(of id: UUID) -> Int? {
        guard let index = waiting.firstIndex(of: id) else { return nil }
        if index == 0 && running == nil {
            waiting.removeFirst()
            running = id
            return nil
        }
        return index + 1
    }

    private func finish(_ id: UUID) {
        if running == id { running = nil }
    }

    /// Draws `request` on the calling thread, reporting to `events`.
    static func generate(_ request: GenerationRequest, with model: TrainedModel, cancellation: JobCancellation,
                         events: AsyncStream<StudioEvent>.Continuation) {
        let clock = ContinuousClock(), start = clock.now
        var lastPieces = start
        events.yield(StudioEvent(type: "started"))
        let piece = request.piece
        do {
            let result = try GenerationPipeline(model: model).run(request, onProgress: { progress in
                let elapsed = Self.seconds(clock.now - start)
                var event = StudioEvent(type: "progress")
                event.done = progress.completedSteps
                event.total = progress.totalSteps
                event.elapsed = elapsed
                event.eta = progress.completedSteps > 0
                    ? elapsed / Double(progress.completedSteps) * Double(progress.totalSteps - progress.completedSteps) : nil
                let last = progress.completedSteps == progress.totalSteps
                if let rolls = progress.rolls, last || Self.seconds(clock.now - lastPieces) >= 0.2 {
                    lastPieces = clock.now
                    event.pieces = rolls.compactMap { codes in
                        (try? PianoRoll(steps: piece.steps, velocityBins: piece.velocityBins, codes: codes,
                                        tempoMap: piece.tempoMap, timeSignatures: piece.timeSignatures)).map(StudioPiece.init)
                    }
                }
                events.yield(event)
            }, isCancelled: { cancellation.isCancelled })
            var done = StudioEvent(type: "done")
            done.takes = result.pieces.map(StudioPiece.init)
            done.seed = result.options.seed
            done.seconds = Self.seconds(clock.now - start)
            done.notes = result.notes
            events.yield(done)
        } catch .cancelled {
            events.yield(.error("the job was cancelled"))
        } catch {
            events.yield(.error(error.description))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
