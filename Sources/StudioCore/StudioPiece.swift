import Foundation
import PianoRoll

/// A piece as the studio's page and API see it: notes on the 16th-note grid, a tempo and a
/// meter. The page edits notes, not cells, so this is the one place notes become a
/// ``PianoRoll`` (and back), with every rule the roll needs checked on the way.
public struct StudioPiece: Codable, Sendable, Equatable {
    /// One note: MIDI pitch, onset step, length in steps, velocity bin.
    public struct Note: Codable, Sendable, Hashable {
        public var pitch: Int
        public var step: Int
        public var length: Int
        /// The loudness class, 0 (softest) … `velocityBins - 1`.
        public var velocity: Int

        public init(pitch: Int, step: Int, length: Int, velocity: Int) {
            self.pitch = pitch
            self.step = step
            self.length = length
            self.velocity = velocity
        }
    }

    /// The length in steps (4 per beat).
    public var steps: Int
    /// The tempo in beats per minute.
    public var bpm: Double
    /// Beats per bar (over 4).
    public var beatsPerBar: Int
    /// How many loudness classes ``Note/velocity`` counts in.
    public var velocityBins: Int
    /// The notes, in any order.
    public var notes: [Note]

    public init(steps: Int, bpm: Double, beatsPerBar: Int, velocityBins: Int, notes: [Note]) {
        self.steps = steps
        self.bpm = bpm
        self.beatsPerBar = beatsPerBar
        self.velocityBins = velocityBins
        self.notes = notes
    }

    /// The piece of `roll`: its notes, its first tempo and its first time signature (a
    /// signature over another denominator than 4 is counted in quarter notes, rounded up).
    public init(_ roll: PianoRoll) {
        steps = roll.steps
        bpm = roll.tempoMap.first?.beatsPerMinute ?? 120
        if let signature = roll.timeSignatures.first {
            beatsPerBar = max(1, (signature.numerator * 4 + signature.denominator - 1) / signature.denominator)
        } else {
            beatsPerBar = 4
        }
        velocityBins = roll.velocityBins
        notes = roll.notes.map { Note(pitch: $0.pitch, step: $0.step, length: $0.length, velocity: $0.velocityBin) }
    }

    /// The roll of this piece.
    /// - Throws: ``StudioError/invalidPiece(_:)`` naming the first rule broken: the length,
    ///   tempo, meter or bins out of range, a note outside the piece or the pitches, or two
    ///   notes overlapping on one pitch.
    public func roll() throws(StudioError) -> PianoRoll {
        guard (1...StudioLimits.maximumSteps).contains(steps) else {
            throw .invalidPiece("the piece has \(steps) steps; give between 1 and \(StudioLimits.maximumSteps)")
        }
        guard bpm.isFinite, (StudioLimits.beatsPerMinute).contains(bpm) else {
            throw .invalidPiece("the piece's tempo of \(bpm) BPM is out of range; give between \(Int(StudioLimits.beatsPerMinute.lowerBound)) and \(Int(StudioLimits.beatsPerMinute.upperBound))")
        }
        guard (1...32).contains(beatsPerBar) else {
            throw .invalidPiece("the piece has \(beatsPerBar) beats per bar; give between 1 and 32")
        }
        guard (1...127).contains(velocityBins) else {
            throw .invalidPiece("the piece has \(velocityBins) velocity bins; give between 1 and 127")
        }
        guard notes.count <= StudioLimits.maximumNotes else {
            throw .invalidPiece("the piece has \(notes.count) notes; a piece holds at most \(StudioLimits.maximumNotes)")
        }
        var codes = [UInt8](repeating: PianoRoll.Cell.silentCode, count: PianoRoll.pitchCount * steps)
        for (index, note) in notes.enumerated() {
            guard PianoRoll.pitchRange.contains(note.pitch), note.step >= 0, note.length >= 1,
                  note.step < steps, note.length <= steps - note.step else {
                throw .invalidPiece("note \(index) (pitch \(note.pitch), step \(note.step), length \(note.length)) lies outside the piece's "
                    + "\(steps) steps and pitches 0…127; keep every note inside")
            }
            guard (0..<velocityBins).contains(note.velocity) else {
                throw .invalidPiece("note \(index) has velocity \(note.velocity); give a bin between 0 and \(velocityBins - 1)")
            }
            let row = note.pitch * steps
            guard codes[(row + note.step)..<(row + note.step + note.length)].allSatisfy({ $0 == PianoRoll.Cell.silentCode }) else {
                throw .invalidPiece("note \(index) (pitch \(note.pitch), step \(note.step)) overlaps another note on its pitch; "
                    + "shorten or move one of them")
            }
            codes[row + note.step] = PianoRoll.Cell.firstOnsetCode + UInt8(note.velocity)
            for step in (note.step + 1)..<(note.step + note.length) { codes[row + step] = PianoRoll.Cell.sustainCode }
        }
        do {
            return try PianoRoll(steps: steps, velocityBins: velocityBins, codes: codes,
                                 tempoMap: [PianoRoll.TempoChange(step: 0, beatsPerMinute: bpm)],
                                 timeSignatures: [PianoRoll.TimeSignature(step: 0, numerator: beatsPerBar, denominator: 4)])
        } catch {
            throw .invalidPiece("the piece cannot be a roll (\(error)); check its notes")
        }
    }
}
