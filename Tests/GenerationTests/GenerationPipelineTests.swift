import Foundation
import FractalModel
import Generation
import ModelStore
import PianoRoll
import Testing
import TestSupport

/// The generation pipeline called as a library: the same pieces as the command line, progress
/// reports, cancellation, and one-line errors for requests that do not fit.
@Suite("Generation pipeline", .serialized)
struct GenerationPipelineTests {
    /// The bundled model (each test loads its own: the network is a mutable reference type).
    let bundled: TrainedModel

    init() throws {
        bundled = try TrainedModel.load(from: SharedData.repositoryRoot.appendingPathComponent(TrainedModel.bundledPath))
    }

    /// The bundled model's options with few MAR iterations (fast, every stage still runs).
    func fastOptions(_ iterations: [Int] = [8, 4, 4]) -> SamplingOptions {
        var options = bundled.config.sampling
        options.numIterList = iterations
        return options
    }

    @Test("a long piece drawn by the library is byte for byte what `generate` writes (the pinned hashes)")
    func libraryMatchesTheCommandLine() throws {
        var request = try GenerationRequest.newPieces(steps: 12 * 16)
        request.count = 2
        request.seed = 1
        request.sampling = fastOptions()
        let result = try GenerationPipeline(model: bundled).run(request)
        // `fractalmidi generate --bars 12 --count 2 --seed 1 --iters 8,4,4` writes these (BundledModelRegressionTests).
        #expect(result.midiFiles.map(SHA256.hex(of:)) == [
            "67a6ebace8af661847193151527fcbe6f7f91f0d5ef13fe4c51ed7e24b875275",
            "bbfff52f4d6a0445aa62ea966d2a02904381362d12e2d96dc1cbe540258326fd",
        ])
        #expect(result.windowSeeds == [1, GenerationPipeline.windowSeed(1, window: 1)])
        #expect(result.options.seed == 1 && result.options.numIterList == [8, 4, 4])
        #expect(result.style == "pop" && result.styleClass == 1)
        #expect(result.modelDelaySteps == 0)
        #expect(result.dynamics.allSatisfy { $0 != nil }, "each piece draws its dynamics from the model's table")
    }

    @Test("continue and inpaint through the library write what the command line writes",
          .enabled(if: SharedData.shouldRun))
    func continuationAndInpaintingMatchTheCommandLine() throws {
        let song = SharedData.url("pop909/013.mid")
        let roll = try PianoRoll(contentsOf: song, options: PianoRoll.ConversionOptions(alignsEighthNoteGrid: false))
        func fast(_ request: GenerationRequest) -> GenerationRequest {
            var request = request
            request.seed = 1
            request.sampling = self.fastOptions()
            return request
        }
        let region = try RegionSpecification(parsing: "3-4").resolved(in: RegionBarGrid(roll))
        let pipeline = GenerationPipeline(model: bundled)
        let continued = try pipeline.run(fast(.continuation(of: roll, addingSteps: RegionBarGrid(roll).stepsOfBars(continuing: 2))))
        let inpainted = try pipeline.run(fast(.inpainting(of: roll, regions: [region])))
        #expect(continued.modelDelaySteps == 1 && inpainted.modelDelaySteps == 1, "song 013 sits a 16th off its beats")
        #expect(continued.notes.first?.hasPrefix("8th-note grid:") == true)

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tool = try CommandLineTool()
        let fast = ["--seed", "1", "--iters", "8,4,4", "--no-animation", "-o", folder.url.path]
        for arguments in [["continue", song.path, "--bars", "2"], ["inpaint", song.path, "--region", "3-4"]] {
            let run = try tool.run(arguments + fast)
            #expect(run.status == 0, "stderr: \(run.standardError)")
        }
        #expect(try Data(contentsOf: folder.url.appendingPathComponent("013-continued-1.mid")) == continued.midiFiles[0])
        #expect(try Data(contentsOf: folder.url.appendingPathComponent("013-inpainted-1.mid")) == inpainted.midiFiles[0])
        // Every kept cell is the input's.
        let kept = inpainted.pieces[0]
        for pitch in 0..<128 {
            for step in 0..<roll.steps where !(region.steps.contains(step)) {
                #expect(kept[pitch: pitch, step: step] == roll[pitch: pitch, step: step])
            }
        }
    }

    @Test("progress reports count every top-level step of every window and carry the pieces when asked")
    func progressReports() throws {
        var request = try GenerationRequest.newPieces(steps: 12 * 16)
        request.seed = 4
        request.sampling = fastOptions([2, 1, 1])
        request.reportsIntermediateRolls = true
        var reports: [GenerationProgress] = []
        let result = try GenerationPipeline(model: bundled).run(request, onProgress: { reports.append($0) })
        let total = try #require(reports.first?.totalSteps)
        #expect(reports.map(\.completedSteps) == Array(1...total))
        #expect(reports.first?.windows == 2)
        #expect(reports.allSatisfy { $0.rolls?.count == 1 && $0.rolls?[0].count == 128 * 12 * 16 })
        #expect(reports.last?.rolls?[0] != nil)
        var quiet = request
        quiet.reportsIntermediateRolls = false
        var rolls = 0
        let same = try GenerationPipeline(model: bundled).run(quiet, onProgress: { rolls += $0.rolls == nil ? 0 : 1 })
        #expect(rolls == 0)
        #expect(same.midiFiles == result.midiFiles, "reporting rolls does not change the music")
    }

    @Test("cancelling stops after the step it is asked at and throws .cancelled")
    func cancellation() throws {
        var request = try GenerationRequest.newPieces(steps: 64)
        request.sampling = fastOptions()
        var steps = 0
        #expect(throws: GenerationError.cancelled) {
            _ = try GenerationPipeline(model: bundled).run(request, onProgress: { _ in steps += 1 }, isCancelled: { steps >= 3 })
        }
        #expect(steps == 3)
    }

    @Test("requests that do not fit the model are one-line errors naming the fix")
    func invalidRequests() throws {
        let pipeline = GenerationPipeline(model: bundled)
        let piece = try PianoRoll(steps: 16)
        #expect(throws: GenerationError.invalidRequest("3 known-cell flags for a piece of 2048 cells; give one per cell")) {
            _ = try GenerationRequest(piece: piece, known: [true, false, true])
        }
        var none = try GenerationRequest.newPieces(steps: 16)
        none.count = 0
        #expect(throws: GenerationError.invalidRequest("count 0 must be at least 1; ask for one piece or more")) {
            _ = try pipeline.run(none)
        }
        var jazz = try GenerationRequest.newPieces(steps: 16)
        jazz.style = "jazz"
        #expect(throws: GenerationError.invalidRequest("--style jazz is not a style of this model; use one of its styles (0 bach, 1 pop)")) {
            _ = try pipeline.run(jazz)
        }
        let coarse = try GenerationRequest.newPieces(steps: 16, velocityBins: 8)
        #expect(throws: GenerationError.invalidRequest("the input roll has 8 velocity bins but the model 32")) {
            _ = try pipeline.run(coarse)
        }
        #expect(throws: GenerationError.invalidRequest("the piece to generate has no steps; ask for at least one bar")) {
            _ = try pipeline.run(try GenerationRequest.newPieces(steps: 0))
        }
        let outside = ResolvedRegion(steps: 10..<40, pitches: 0...127)
        #expect(throws: GenerationError.self) { _ = try GenerationRequest.inpainting(of: piece, regions: [outside]) }
    }
}

/// Requests made from bars and region texts, as the commands make them.
@Suite("Generation requests")
struct GenerationRequestTests {
    /// Four bars of 3/4 (12 steps each) with one note per bar.
    func waltz() throws -> PianoRoll {
        var roll = try PianoRoll(steps: 48, timeSignatures: [.init(step: 0, numerator: 3, denominator: 4)])
        for bar in 0..<4 { roll[pitch: 60 + bar, step: bar * 12] = .onset(velocityBin: 12) }
        return roll
    }

    @Test("continuing by bars appends bars of the piece's own meter and keeps every cell")
    func continuationInBars() throws {
        let roll = try waltz()
        let request = try GenerationRequest.continuation(of: roll, addingBars: 2)
        #expect(request.piece.steps == 48 + 24)
        #expect(request.known.filter { !$0 }.count == 128 * 24)
        #expect(request.piece[pitch: 63, step: 36] == .onset(velocityBin: 12))
        #expect(throws: GenerationError.invalidRequest("0 bars to append; ask for at least one bar")) {
            _ = try GenerationRequest.continuation(of: roll, addingBars: 0)
        }
    }

    @Test("region texts mark their bars and pitches to draw again; a bad one is the region's one-line error")
    func inpaintingFromText() throws {
        let roll = try waltz()
        let request = try GenerationRequest.inpainting(of: roll, regionTexts: ["2-3:C4-E4"])
        let unknown = request.known.indices.filter { !request.known[$0] }
        #expect(unknown.count == 5 * 24)
        #expect(unknown.allSatisfy { (60...64).contains($0 / 48) && (12..<36).contains($0 % 48) })
        #expect(throws: GenerationError.invalidRequest("--region '7-9' is outside the piece, which has 4 bars; use bars 1-4")) {
            _ = try GenerationRequest.inpainting(of: roll, regionTexts: ["7-9"])
        }
        #expect(throws: GenerationError.invalidRequest("no region given; name what to draw again, e.g. 3-5 or 3-5:C3-C5")) {
            _ = try GenerationRequest.inpainting(of: roll, regionTexts: [])
        }
    }
}

/// The 8th-note grid shift and its inverse.
@Suite("Roll delay")
struct RollDelayTests {
    @Test("later pads each pitch row at its start, back drops the padding again")
    func roundTrip() {
        let delay = RollDelay(steps: 3, delay: 2)
        let rows = [1, 2, 3, 4, 5, 6]
        #expect(delay.later(rows, padding: 0) == [0, 0, 1, 2, 3, 0, 0, 4, 5, 6])
        #expect(delay.back(delay.later(rows, padding: 0)) == rows)
        #expect(RollDelay(steps: 3, delay: 0).later(rows, padding: 9) == rows)
    }

    @Test("a piece whose known onsets sit on odd steps is drawn moved; one with none known is not")
    func requestDelay() throws {
        var roll = try PianoRoll(steps: 64)
        for step in stride(from: 1, to: 64, by: 2) { roll[pitch: 60 + step % 7, step: step] = .onset(velocityBin: 10) }
        let late = try GenerationRequest.continuation(of: roll, addingSteps: 16)
        #expect(late.modelDelaySteps > 0)
        #expect(try GenerationRequest.newPieces(steps: 64).modelDelaySteps == 0)
    }
}
