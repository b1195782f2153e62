import Foundation
import PianoRoll
import StudioCore
import Testing

/// `StudioPiece`: the page's notes become a roll with every rule checked, and a roll's notes
/// come back as the same piece.
@Suite("Studio pieces")
struct StudioPieceTests {
    static func piece(_ notes: [StudioPiece.Note], steps: Int = 32) -> StudioPiece {
        StudioPiece(steps: steps, bpm: 96, beatsPerBar: 3, velocityBins: 32, notes: notes)
    }

    @Test("notes become onset and sustain cells, with the tempo and meter, and come back unchanged")
    func roundTrip() throws {
        let notes = [StudioPiece.Note(pitch: 60, step: 0, length: 4, velocity: 20),
                     StudioPiece.Note(pitch: 60, step: 4, length: 2, velocity: 5),
                     StudioPiece.Note(pitch: 72, step: 31, length: 1, velocity: 31)]
        let roll = try Self.piece(notes).roll()
        #expect(roll[pitch: 60, step: 0] == .onset(velocityBin: 20))
        #expect(roll[pitch: 60, step: 3] == .sustain)
        #expect(roll[pitch: 60, step: 4] == .onset(velocityBin: 5), "a note right after another on its pitch is struck again")
        #expect(roll.tempoMap.first?.beatsPerMinute == 96)
        #expect(roll.timeSignatures.first?.numerator == 3 && roll.timeSignatures.first?.denominator == 4)
        let back = StudioPiece(roll)
        #expect(back == Self.piece(notes.sorted { ($0.step, $0.pitch) < ($1.step, $1.pitch) }))
    }

    @Test("the piece's JSON is the documented shape")
    func json() throws {
        let data = Data(#"{"steps":16,"bpm":120,"beatsPerBar":4,"velocityBins":32,"notes":[{"pitch":60,"step":0,"length":4,"velocity":20}]}"#.utf8)
        let piece = try JSONDecoder().decode(StudioPiece.self, from: data)
        #expect(piece.notes == [StudioPiece.Note(pitch: 60, step: 0, length: 4, velocity: 20)])
        #expect(try piece.roll().notes.count == 1)
    }

    struct Rule: Sendable, CustomTestStringConvertible {
        var name: String
        var piece: StudioPiece
        var message: String
        var testDescription: String { name }
    }

    static let rules: [Rule] = [
        Rule(name: "no steps", piece: StudioPiece(steps: 0, bpm: 120, beatsPerBar: 4, velocityBins: 32, notes: []),
             message: "the piece has 0 steps; give between 1 and 65536"),
        Rule(name: "too long", piece: StudioPiece(steps: 65_537, bpm: 120, beatsPerBar: 4, velocityBins: 32, notes: []),
             message: "the piece has 65537 steps; give between 1 and 65536"),
        Rule(name: "tempo", piece: StudioPiece(steps: 16, bpm: .nan, beatsPerBar: 4, velocityBins: 32, notes: []),
             message: "the piece's tempo of nan BPM is out of range; give between 1 and 1000"),
        Rule(name: "meter", piece: StudioPiece(steps: 16, bpm: 120, beatsPerBar: 0, velocityBins: 32, notes: []),
             message: "the piece has 0 beats per bar; give between 1 and 32"),
        Rule(name: "bins", piece: StudioPiece(steps: 16, bpm: 120, beatsPerBar: 4, velocityBins: 0, notes: []),
             message: "the piece has 0 velocity bins; give between 1 and 127"),
        Rule(name: "note past the end", piece: piece([.init(pitch: 60, step: 30, length: 3, velocity: 1)]),
             message: "note 0 (pitch 60, step 30, length 3) lies outside the piece's 32 steps and pitches 0…127; keep every note inside"),
        Rule(name: "pitch 128", piece: piece([.init(pitch: 128, step: 0, length: 1, velocity: 1)]),
             message: "note 0 (pitch 128, step 0, length 1) lies outside the piece's 32 steps and pitches 0…127; keep every note inside"),
        Rule(name: "huge length", piece: piece([.init(pitch: 60, step: 1, length: Int.max, velocity: 1)]),
             message: "note 0 (pitch 60, step 1, length \(Int.max)) lies outside the piece's 32 steps and pitches 0…127; keep every note inside"),
        Rule(name: "velocity", piece: piece([.init(pitch: 60, step: 0, length: 1, velocity: 32)]),
             message: "note 0 has velocity 32; give a bin between 0 and 31"),
        Rule(name: "overlap", piece: piece([.init(pitch: 60, step: 0, length: 4, velocity: 1), .init(pitch: 60, step: 3, length: 1, velocity: 1)]),
             message: "note 1 (pitch 60, step 3) overlaps another note on its pitch; shorten or move one of them"),
    ]

    @Test("each broken rule is one line naming the value and the fix", arguments: rules)
    func rule(_ rule: Rule) {
        #expect(throws: StudioError.invalidPiece(rule.message)) { try rule.piece.roll() }
        do {
            _ = try rule.piece.roll()
        } catch {
            #expect(error.description == rule.message)
            #expect(error.status == 400)
        }
    }

    @Test("a piece holds at most 200,000 notes")
    func noteLimit() {
        let notes = (0..<(StudioLimits.maximumNotes + 1)).map { StudioPiece.Note(pitch: $0 % 128, step: $0 / 128, length: 1, velocity: 0) }
        #expect(throws: StudioError.self) { try Self.piece(notes, steps: 2000).roll() }
    }
}
