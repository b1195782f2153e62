import FractalModel
import Foundation
import Generation
import PianoRoll
import StudioCore
import Testing

/// `StudioJob`: the page's three generations become the requests `generate`, `continue` and
/// `inpaint` build, with locked notes kept, and every bad field is one line.
@Suite("Studio jobs")
struct StudioJobTests {
    static let piece = StudioPiece(steps: 64, bpm: 100, beatsPerBar: 4, velocityBins: 32, notes: [
        .init(pitch: 60, step: 0, length: 8, velocity: 10),
        .init(pitch: 64, step: 20, length: 4, velocity: 12),
        .init(pitch: 67, step: 40, length: 30 - 6, velocity: 14),
    ])

    func request(_ job: StudioJob) throws -> GenerationRequest {
        try job.request(defaults: SamplingOptions(), seed: 99)
    }

    @Test("new: a blank piece of the bars at the piece's tempo and meter, nothing known")
    func newPiece() throws {
        var blank = Self.piece
        blank.beatsPerBar = 3
        let request = try request(StudioJob(mode: .new, piece: blank, bars: 2, takes: 3))
        #expect(request.piece.steps == 2 * 3 * 4)
        #expect(request.piece.timeSignatures.first?.numerator == 3)
        #expect(request.piece.tempoMap.first?.beatsPerMinute == 100)
        #expect(request.known.allSatisfy { !$0 })
        #expect(request.count == 3 && request.seed == 99 && request.reportsIntermediateRolls)
        #expect(request.sampling == nil, "no control given: the model's own options")
    }

    @Test("continue: the piece kept cell for cell, the new bars to draw")
    func continuation() throws {
        let request = try request(StudioJob(mode: .continue, piece: Self.piece, bars: 1, seed: 5))
        let expected = try GenerationRequest.continuation(of: Self.piece.roll(), addingSteps: 16)
        #expect(request.piece == expected.piece && request.known == expected.known)
        #expect(request.seed == 5, "the job's seed wins over the chosen one")
    }

    @Test("inpaint: the region drawn again, as inpaint --region does, and locked notes kept inside it")
    func inpaint() throws {
        let region = StudioJob.Region(startStep: 16, endStep: 48, lowPitch: 60, highPitch: 70)
        let plain = try request(StudioJob(mode: .inpaint, piece: Self.piece, region: region))
        let expected = try GenerationRequest.inpainting(of: Self.piece.roll(), regions: [ResolvedRegion(steps: 16..<48, pitches: 60...70)])
        #expect(plain.known == expected.known)
        let locked = try request(StudioJob(mode: .inpaint, piece: Self.piece, region: region, locked: [1, 2]))
        for step in 20..<24 { #expect(locked.known[64 * 64 + step], "the locked note's cells are kept") }
        for step in 40..<48 { #expect(locked.known[67 * 64 + step]) }
        #expect(!locked.known[65 * 64 + 30], "the rest of the region is drawn")
        #expect(locked.known[64 * 64 + 24], "the cell after a locked note is kept, so that the note cannot grow")
        #expect(locked.known.filter { !$0 }.count == expected.known.filter { !$0 }.count - (4 + 1) - 8)
    }

    @Test("the musical controls override the model's options and are checked in one wording")
    func controls() throws {
        var defaults = SamplingOptions()
        defaults.temperature = 1.05
        let job = StudioJob(mode: .new, piece: Self.piece, bars: 1, style: "pop", temperature: 0.9, topP: 0.95, cfg: 2)
        let request = try job.request(defaults: defaults, seed: 1)
        #expect(request.sampling?.temperature == 0.9 && request.sampling?.topP == 0.95 && request.sampling?.cfg == 2)
        #expect(request.style == "pop")
        #expect(throws: StudioError.invalidRequest("topP 0.0 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class")) {
            try self.request(StudioJob(mode: .new, piece: Self.piece, bars: 1, topP: 0))
        }
        #expect(throws: StudioError.invalidRequest("temperature -1.0 must be a positive number; use e.g. 1.0")) {
            try self.request(StudioJob(mode: .new, piece: Self.piece, bars: 1, temperature: -1))
        }
    }

    @Test("bad jobs are one line naming the field and the fix", arguments: [
        (StudioJob(mode: .new, piece: piece), "bars missing must be between 1 and 256 for mode new"),
        (StudioJob(mode: .continue, piece: piece, bars: 257), "bars 257 must be between 1 and 256 for mode continue"),
        (StudioJob(mode: .new, piece: piece, bars: 1, takes: 5), "takes 5 is outside 1…4; ask for 1 to 4 takes"),
        (StudioJob(mode: .new, piece: piece, bars: 1, takes: 0), "takes 0 is outside 1…4; ask for 1 to 4 takes"),
        (StudioJob(mode: .inpaint, piece: piece), "mode inpaint needs a region: {startStep, endStep, lowPitch, highPitch}"),
        (StudioJob(mode: .inpaint, piece: piece, region: .init(startStep: 8, endStep: 8, lowPitch: 0, highPitch: 127)),
         "the region (steps 8..<8, pitches 0…127) is empty or lies outside the piece's 64 steps and pitches 0…127; select inside the piece"),
        (StudioJob(mode: .inpaint, piece: piece, region: .init(startStep: 0, endStep: 65, lowPitch: 0, highPitch: 127)),
         "the region (steps 0..<65, pitches 0…127) is empty or lies outside the piece's 64 steps and pitches 0…127; select inside the piece"),
        (StudioJob(mode: .inpaint, piece: piece, region: .init(startStep: 0, endStep: 8, lowPitch: 0, highPitch: 127), locked: [3]),
         "locked note 3 is not a note of the piece, which has 3; lock notes by their index"),
    ] as [(StudioJob, String)])
    func badJobs(_ job: StudioJob, _ message: String) {
        #expect(throws: StudioError.invalidRequest(message)) { try self.request(job) }
    }

    @Test("a continuation past the longest piece is refused")
    func tooLong() {
        let long = StudioPiece(steps: StudioLimits.maximumSteps - 8, bpm: 120, beatsPerBar: 4, velocityBins: 32, notes: [])
        #expect(throws: StudioError.self) { try self.request(StudioJob(mode: .continue, piece: long, bars: 1)) }
    }

    @Test("the job's JSON is the documented shape; left-out controls are nil")
    func json() throws {
        let text = #"{"mode":"inpaint","piece":{"steps":16,"bpm":120,"beatsPerBar":4,"velocityBins":32,"notes":[]},"#
            + #""region":{"startStep":0,"endStep":8,"lowPitch":40,"highPitch":80},"locked":[],"takes":2,"seed":7,"style":null}"#
        let job = try JSONDecoder().decode(StudioJob.self, from: Data(text.utf8))
        #expect(job.mode == .inpaint && job.takes == 2 && job.seed == 7 && job.style == nil && job.temperature == nil)
        #expect(job.region == StudioJob.Region(startStep: 0, endStep: 8, lowPitch: 40, highPitch: 80))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StudioJob.self, from: Data(#"{"mode":"remix"}"#.utf8)) }
    }
}
