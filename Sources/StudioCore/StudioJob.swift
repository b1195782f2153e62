import FractalModel
import Foundation
import Generation
import PianoRoll

/// A generation the page asks for (`POST /api/generate`): a new piece, a continuation, or a
/// region drawn again, with the model's musical controls. ``request(for:)`` turns it into the
/// same ``GenerationRequest`` the command line's `generate`, `continue` and `inpaint` build.
public struct StudioJob: Codable, Sendable, Equatable {
    /// What to draw.
    public enum Mode: String, Codable, Sendable {
        /// A piece of ``StudioJob/bars`` bars at the piece's tempo and meter.
        case new
        /// The piece with ``StudioJob/bars`` bars appended and drawn.
        case `continue`
        /// The cells of ``StudioJob/region`` drawn again, every other cell kept.
        case inpaint
    }

    /// Steps `startStep ..< endStep` × pitches `lowPitch ... highPitch`.
    public struct Region: Codable, Sendable, Equatable {
        public var startStep: Int
        public var endStep: Int
        public var lowPitch: Int
        public var highPitch: Int

        public init(startStep: Int, endStep: Int, lowPitch: Int, highPitch: Int) {
            self.startStep = startStep
            self.endStep = endStep
            self.lowPitch = lowPitch
            self.highPitch = highPitch
        }
    }

    public var mode: Mode
    public var piece: StudioPiece
    public var bars: Int?
    public var region: Region?
    /// Indexes into `piece.notes` whose cells are kept even inside the region.
    public var locked: [Int]?
    public var takes: Int?
    public var style: String?
    public var temperature: Double?
    public var topP: Double?
    public var cfg: Double?
    public var seed: UInt64?

    public init(mode: Mode, piece: StudioPiece, bars: Int? = nil, region: Region? = nil, locked: [Int]? = nil, takes: Int? = nil,
                style: String? = nil, temperature: Double? = nil, topP: Double? = nil, cfg: Double? = nil, seed: UInt64? = nil) {
        self.mode = mode
        self.piece = piece
        self.bars = bars
        self.region = region
        self.locked = locked
        self.takes = takes
        self.style = style
        self.temperature = temperature
        self.topP = topP
        self.cfg = cfg
        self.seed = seed
    }

    /// The number of takes, checked.
    var takeCount: Int { takes ?? 1 }

    /// The generation request, with `seed` for a job that names none and the model's sampling
    /// options `defaults` under the job's temperature, top-p and cfg.
    /// - Throws: ``StudioError`` naming the field at fault and its fix.
    public func request(defaults: SamplingOptions, seed chosenSeed: UInt64) throws(StudioError) -> GenerationRequest {
        guard (1...StudioLimits.maximumTakes).contains(takeCount) else {
            throw .invalidRequest("takes \(takeCount) is outside 1…\(StudioLimits.maximumTakes); ask for 1 to \(StudioLimits.maximumTakes) takes")
        }
        let roll = try piece.roll()
        var request: GenerationRequest
        do {
            switch mode {
            case .new:
                let bars = try barCount()
                let blank = try StudioPiece(steps: bars * piece.beatsPerBar * PianoRoll.stepsPerBeat, bpm: piece.bpm,
                                            beatsPerBar: piece.beatsPerBar, velocityBins: piece.velocityBins, notes: []).roll()
                request = try GenerationRequest(piece: blank, known: [Bool](repeating: false, count: blank.codes.count))
            case .continue:
                let steps = try barCount() * piece.beatsPerBar * PianoRoll.stepsPerBeat
                guard roll.steps + steps <= StudioLimits.maximumSteps else {
                    throw StudioError.invalidRequest("continuing \(roll.steps) steps by \(steps) passes the limit of \(StudioLimits.maximumSteps) steps; add fewer bars")
                }
                request = try .continuation(of: roll, addingSteps: steps)
            case .inpaint:
                request = try .inpainting(of: roll, regions: [try resolvedRegion()])
                try keepLockedNotes(in: &request)
            }
        } catch let error as StudioError {
            throw error
        } catch let error as GenerationError {
            throw .generationFailed(error.description)
        } catch {
            throw .invalidRequest("\(error)")
        }
        request.count = takeCount
        request.style = style
        request.seed = seed ?? chosenSeed
        request.reportsIntermediateRolls = true
        if temperature != nil || topP != nil || cfg != nil {
            var options = defaults
            if let temperature { options.temperature = temperature }
            if let topP { options.topP = topP }
            if let cfg { options.cfg = cfg }
            do {
                try options.checkValues()
            } catch {
                throw .invalidRequest(error.described(naming: Self.field(error.option)))
            }
            request.sampling = options
        }
        return request
    }

    /// The job's field for a sampling option, for messages.
    static func field(_ option: SamplingOptionsError.Option) -> String {
        switch option {
        case .topP: "topP"
        default: option.rawValue
        }
    }

    private func barCount() throws(StudioError) -> Int {
        guard let bars, (1...StudioLimits.maximumBars).contains(bars) else {
            throw .invalidRequest("bars \(bars.map(String.init) ?? "missing") must be between 1 and \(StudioLimits.maximumBars) for mode \(mode.rawValue)")
        }
        return bars
    }

    private func resolvedRegion() throws(StudioError) -> ResolvedRegion {
        guard let region else { throw .invalidRequest("mode inpaint needs a region: {startStep, endStep, lowPitch, highPitch}") }
        guard region.startStep >= 0, region.startStep < region.endStep, region.endStep <= piece.steps,
              region.lowPitch >= 0, region.lowPitch <= region.highPitch, region.highPitch <= 127 else {
            throw .invalidRequest("the region (steps \(region.startStep)..<\(region.endStep), pitches \(region.lowPitch)…\(region.highPitch)) "
                + "is empty or lies outside the piece's \(piece.steps) steps and pitches 0…127; select inside the piece")
        }
        return ResolvedRegion(steps: region.startStep..<region.endStep, pitches: region.lowPitch...region.highPitch)
    }

    /// Marks the cells of the locked notes as known, so that the model draws around them, and
    /// the cell after each one too (silent, or the next note's onset), so that the model cannot
    /// lengthen a locked note by holding it on.
    private func keepLockedNotes(in request: inout GenerationRequest) throws(StudioError) {
        for index in locked ?? [] {
            guard piece.notes.indices.contains(index) else {
                throw .invalidRequest("locked note \(index) is not a note of the piece, which has \(piece.notes.count); lock notes by their index")
            }
            let note = piece.notes[index], row = note.pitch * piece.steps
            for step in note.step..<min(note.step + note.length + 1, piece.steps) { request.known[row + step] = true }
        }
    }
}
