import FractalModel
import Foundation
import Generation
import ModelStore
import PianoRoll
import StudioCore
import Testing
import TestSupport

/// `GenerationQueue`: a job's events end with the pieces the generation pipeline draws for
/// the same request; jobs run one at a time in order; a cancelled job leaves the line or stops.
@Suite("Studio generation queue", .serialized)
struct GenerationQueueTests {
    /// The bundled model with few MAR iterations (fast; every stage still runs).
    static func fastModel() throws -> TrainedModel {
        let bundled = try TrainedModel.load(from: SharedData.repositoryRoot.appendingPathComponent(TrainedModel.bundledPath))
        var config = bundled.config
        config.sampling.numIterList = [4, 2, 2]
        return TrainedModel(model: bundled.model, config: config, directory: bundled.directory, styles: bundled.styles,
                            defaultStyle: bundled.defaultStyle, dynamics: bundled.dynamics)
    }

    static let piece = StudioPiece(steps: 32, bpm: 120, beatsPerBar: 4, velocityBins: 32, notes: [
        .init(pitch: 60, step: 0, length: 8, velocity: 20), .init(pitch: 64, step: 16, length: 8, velocity: 20),
    ])

    /// `job`'s generation request (its seed, or 0); the jobs here set no sampling control, so
    /// the model's own options apply.
    static func request(_ job: StudioJob) throws -> GenerationRequest {
        try job.request(defaults: SamplingOptions(), seed: 0)
    }

    static func collect(_ events: AsyncStream<StudioEvent>) async -> [StudioEvent] {
        var all: [StudioEvent] = []
        for await event in events { all.append(event) }
        return all
    }

    @Test("a job's takes are the pipeline's pieces for the same request, with progress and drawn-so-far pieces")
    func sameAsThePipeline() async throws {
        let model = try Self.fastModel()
        let job = StudioJob(mode: .inpaint, piece: Self.piece, region: .init(startStep: 8, endStep: 24, lowPitch: 48, highPitch: 84),
                            locked: [1], takes: 2, seed: 3)
        let expected = try GenerationPipeline(model: model).run(job.request(defaults: model.config.sampling, seed: 0))
        let queue = GenerationQueue.drawing(with: try Self.fastModel())
        let events = await Self.collect(queue.events(for: try Self.request(job), cancellation: JobCancellation()))
        #expect(events.first?.type == "started")
        let done = try #require(events.last)
        #expect(done.type == "done" && done.seed == 3)
        #expect(done.takes == expected.pieces.map(StudioPiece.init))
        let progress = events.filter { $0.type == "progress" }
        #expect(!progress.isEmpty && progress.last?.done == progress.last?.total)
        #expect(progress.contains { $0.pieces?.count == 2 }, "progress carries the takes as drawn so far")
        let kept = try #require(done.takes?.first).notes
        #expect(kept.contains(.init(pitch: 64, step: 16, length: 8, velocity: 20)), "the locked note is kept")
        #expect(kept.contains(.init(pitch: 60, step: 0, length: 8, velocity: 20)) || kept.contains { $0.pitch == 60 && $0.step == 0 },
                "the note outside the region starts where it did")
    }

    @Test("a second job waits its turn, told its place in line, and then runs")
    func oneAtATime() async throws {
        let queue = GenerationQueue.drawing(with: try Self.fastModel())
        let first = queue.events(for: try Self.request(StudioJob(mode: .new, piece: Self.piece, bars: 2, seed: 1)), cancellation: JobCancellation())
        try await Task.sleep(nanoseconds: 100_000_000)
        let second = queue.events(for: try Self.request(StudioJob(mode: .new, piece: Self.piece, bars: 2, seed: 2)), cancellation: JobCancellation())
        async let firstEvents = Self.collect(first)
        let secondEvents = await Self.collect(second)
        #expect(secondEvents.first?.type == "queued" && secondEvents.first?.position == 1)
        #expect(secondEvents.last?.type == "done" && secondEvents.last?.seed == 2)
        #expect(await firstEvents.last?.type == "done")
        #expect(await queue.length == 0)
    }

    @Test("a cancelled job stops after its step, or leaves the line unstarted")
    func cancellation() async throws {
        let queue = GenerationQueue.drawing(with: try Self.fastModel())
        let running = JobCancellation(), waiting = JobCancellation()
        let first = queue.events(for: try Self.request(StudioJob(mode: .new, piece: Self.piece, bars: 8, seed: 1)), cancellation: running)
        try await Task.sleep(nanoseconds: 100_000_000)
        let second = queue.events(for: try Self.request(StudioJob(mode: .new, piece: Self.piece, bars: 8, seed: 2)), cancellation: waiting)
        waiting.cancel()
        var firstEvents: [StudioEvent] = []
        for await event in first {
            firstEvents.append(event)
            if event.type == "progress" { running.cancel() }
        }
        let secondEvents = await Self.collect(second)
        #expect(firstEvents.last == StudioEvent.error("the job was cancelled"))
        #expect(!secondEvents.contains { $0.type == "started" }, "the waiting job never started")
        #expect(await queue.length == 0)
    }

    @Test("a job the model cannot take ends with one error event")
    func refused() async throws {
        let queue = GenerationQueue.drawing(with: try Self.fastModel())
        let events = await Self.collect(queue.events(for: try Self.request(StudioJob(mode: .new, piece: Self.piece, bars: 1, style: "jazz")),
                                                     cancellation: JobCancellation()))
        #expect(events.last?.type == "error" && !events.contains { $0.type == "done" })
        #expect(events.last?.message?.contains("jazz is not a style of this model") == true)
    }
}
