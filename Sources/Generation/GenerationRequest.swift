import Foundation
import FractalModel
import PianoRoll

/// What to generate: a piece with some cells given (kept) and the rest to draw, how many
/// pieces, in which style, with which sampling options and seed.
///
/// The three ways to make one — ``newPieces(steps:beatsPerMinute:)``,
/// ``continuation(of:addingSteps:)`` and ``inpainting(of:regions:)`` — cover `generate`,
/// `continue` and `inpaint`; any other mask of known cells works too.
public struct GenerationRequest: Sendable {
    /// The piece: its length, tempo map and time signatures, and the given cells (the cells
    /// ``known`` does not mark are ignored).
    public var piece: PianoRoll
    /// A flag per cell of ``piece`` (pitch-major), `true` where the cell is kept.
    public var known: [Bool]
    /// How many pieces to draw (each with its own random choices and dynamics).
    public var count = 1
    /// A style name of the model or a class index; nil for the model's default style.
    public var style: String?
    /// The sampling options; nil for the model's own (its configuration's `sampling:`). Their
    /// seed is replaced by ``seed``.
    public var sampling: SamplingOptions?
    /// The seed of every random choice; the same request gives the same pieces.
    public var seed: UInt64 = 0
    /// A tempo for the written pieces in beats per minute, replacing the piece's tempo map.
    public var beatsPerMinute: Double?
    /// Whether progress reports carry the pieces as they stand (for animations).
    public var reportsIntermediateRolls = false

    /// A request to draw the cells of `piece` that `known` does not mark.
    /// - Throws: ``GenerationError/invalidRequest(_:)`` when `known` does not have one flag per cell.
    public init(piece: PianoRoll, known: [Bool]) throws(GenerationError) {
        guard known.count == piece.codes.count else {
            throw .invalidRequest("\(known.count) known-cell flags for a piece of \(piece.codes.count) cells; give one per cell")
        }
        self.piece = piece
        self.known = known
    }

    /// New pieces of `steps` steps in 4/4 at `beatsPerMinute`, nothing given.
    public static func newPieces(steps: Int, beatsPerMinute: Double = 120,
                                 velocityBins: Int = PianoRoll.VelocityBins.defaultCount) throws(GenerationError) -> GenerationRequest {
        let piece: PianoRoll
        do {
            piece = try PianoRoll(steps: steps, velocityBins: velocityBins,
                                  tempoMap: [PianoRoll.TempoChange(step: 0, beatsPerMinute: beatsPerMinute)])
        } catch {
            throw .invalidRequest("cannot make a piece of \(steps) steps at \(beatsPerMinute) BPM (\(error))")
        }
        return try GenerationRequest(piece: piece, known: [Bool](repeating: false, count: PianoRoll.pitchCount * steps))
    }

    /// `roll` kept cell for cell with `addingSteps` steps appended (silent, to draw), its tempo
    /// map and time signatures kept.
    public static func continuation(of roll: PianoRoll, addingSteps steps: Int) throws(GenerationError) -> GenerationRequest {
        let total = roll.steps + steps
        var codes = [UInt8](repeating: PianoRoll.Cell.silentCode, count: PianoRoll.pitchCount * total)
        for pitch in 0..<PianoRoll.pitchCount {
            let source = pitch * roll.steps
            codes.replaceSubrange((pitch * total)..<(pitch * total + roll.steps), with: roll.codes[source..<(source + roll.steps)])
        }
        let piece: PianoRoll
        do {
            piece = try PianoRoll(steps: total, velocityBins: roll.velocityBins, codes: codes,
                                  tempoMap: roll.tempoMap, timeSignatures: roll.timeSignatures)
        } catch {
            throw .invalidRequest("cannot append \(steps) steps to a piece of \(roll.steps) (\(error))")
        }
        return try GenerationRequest(piece: piece, known: (0..<(PianoRoll.pitchCount * total)).map { $0 % total < roll.steps })
    }

    /// `roll` kept cell for cell with `bars` bars of its last time signature appended (4/4 when
    /// it has none), as `continue --bars` does.
    public static func continuation(of roll: PianoRoll, addingBars bars: Int) throws(GenerationError) -> GenerationRequest {
        guard bars >= 1 else { throw .invalidRequest("\(bars) bars to append; ask for at least one bar") }
        return try continuation(of: roll, addingSteps: RegionBarGrid(roll).stepsOfBars(continuing: bars))
    }

    /// `roll` with the regions `texts` name drawn again (`3-5`, `9.5-12`, `3:2-4:4:C3-C5`, in the
    /// roll's own bars; see ``RegionSpecification``) and every other cell kept, as `inpaint
    /// --region` does.
    public static func inpainting(of roll: PianoRoll, regionTexts texts: [String]) throws(GenerationError) -> GenerationRequest {
        guard !texts.isEmpty else { throw .invalidRequest("no region given; name what to draw again, e.g. 3-5 or 3-5:C3-C5") }
        let bars = RegionBarGrid(roll)
        var regions: [ResolvedRegion] = []
        for text in texts {
            do {
                regions.append(try RegionSpecification(parsing: text).resolved(in: bars))
            } catch {
                throw .invalidRequest(error.description)
            }
        }
        return try inpainting(of: roll, regions: regions)
    }

    /// `roll` with the cells inside `regions` drawn again and every other cell kept.
    public static func inpainting(of roll: PianoRoll, regions: [ResolvedRegion]) throws(GenerationError) -> GenerationRequest {
        var known = [Bool](repeating: true, count: PianoRoll.pitchCount * roll.steps)
        for region in regions {
            guard region.steps.lowerBound >= 0, region.steps.upperBound <= roll.steps,
                  region.pitches.lowerBound >= 0, region.pitches.upperBound < PianoRoll.pitchCount else {
                throw .invalidRequest("the region of steps \(region.steps) and pitches \(region.pitches) lies outside the piece's "
                    + "\(roll.steps) steps and 128 pitches; resolve regions against the piece (RegionSpecification.resolved(in:))")
            }
            for pitch in region.pitches {
                for step in region.steps { known[pitch * roll.steps + step] = false }
            }
        }
        return try GenerationRequest(piece: roll, known: known)
    }

    /// How many steps later the model draws the piece: when the known notes sit a 16th off
    /// the beat, their 8th-note grid moves onto the even steps, as the model saw its training
    /// music (roll rule 6, ``PianoRoll/EighthNoteAlignment``, counted on the known onsets); 0
    /// when few or no notes are known. The pieces are moved back, so kept notes stay where the
    /// input has them and new ones share their grid.
    public var modelDelaySteps: Int {
        let steps = piece.steps
        let onsets = piece.codes.indices.lazy
            .filter { known[$0] && piece.codes[$0] >= PianoRoll.Cell.firstOnsetCode }
            .map { $0 % steps }
        return PianoRoll.EighthNoteAlignment(onsetSteps: onsets).delaySteps
    }
}
