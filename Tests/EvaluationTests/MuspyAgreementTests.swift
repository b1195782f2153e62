import Foundation
import PianoRoll
import Testing
import TestSupport
import Evaluation

/// Agreement with the independent muspy library on quantised corpus files.
///
/// Fixtures/muspy_statistics.json comes from Tools/make_muspy_fixtures.py: each file is
/// quantised by FractalMIDI, the quantised notes are handed to muspy 0.5.0 (resolution 4),
/// and the statistics muspy lacks (or defines differently) are computed with numpy by this
/// module's definitions ("reference"). Lengths there are the end of the last note, so the
/// roll is cropped to it here.
@Suite("Agreement with muspy")
struct MuspyAgreementTests {
    struct Fixture: Decodable {
        struct Entry: Decodable {
            var source: String
            var steps: Int
            var notes: Int
            var muspy: [String: Double]
            var reference: [String: Double]
        }
        var files: [Entry]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/muspy_statistics.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    /// The roll of a corpus file, cropped to the end of its last note.
    static func roll(_ entry: Fixture.Entry) throws -> PianoRoll {
        let roll = try PianoRoll(contentsOf: SharedData.url(entry.source))
        let end = roll.notes.map(\.endStep).max() ?? 0
        return roll.cropped(steps: 0..<end)
    }

    @Test("identical definitions match muspy within 1e-6; the others match the numpy reference", .enabled(if: SharedData.shouldRun))
    func statisticsMatch() throws {
        #expect(Self.fixture.files.count == 12)
        for entry in Self.fixture.files {
            let roll = try Self.roll(entry)
            #expect(roll.steps == entry.steps, "\(entry.source)")
            #expect(roll.notes.count == entry.notes, "\(entry.source)")
            let ours = PieceStatistics(roll).namedValues
            for name in ["pitch_range", "n_pitches_used", "n_pitch_classes_used", "polyphony", "polyphony_rate",
                         "scale_consistency", "pitch_class_entropy"] {
                let expected = try #require(entry.muspy[name])
                #expect(abs(ours[name]! - expected) < 1e-6, "\(entry.source) \(name): ours \(ours[name]!), muspy \(expected)")
            }
            for (name, expected) in entry.reference {
                #expect(abs(ours[name]! - expected) < 1e-6, "\(entry.source) \(name): ours \(ours[name]!), numpy \(expected)")
            }
        }
    }

    /// muspy's groove consistency counts `length / bar + 1` bars: it equals ours on the roll
    /// lengthened by one silent step (whose last bar is then partial and padded).
    @Test("muspy's groove consistency is ours with one more silent step", .enabled(if: SharedData.shouldRun))
    func grooveDifference() throws {
        var differing = 0
        for entry in Self.fixture.files {
            let roll = try Self.roll(entry)
            let expected = try #require(entry.muspy["groove_consistency"])
            let lengthened = PieceStatistics(roll.cropped(steps: 0..<(roll.steps + 1))).grooveConsistency
            #expect(abs(lengthened - expected) < 1e-6, "\(entry.source): ours \(lengthened), muspy \(expected)")
            if abs(PieceStatistics(roll).grooveConsistency - expected) > 1e-6 { differing += 1 }
        }
        #expect(differing > 0, "the fixture includes rolls that end on a barline")
    }

    /// muspy's empty-beat rate counts `length / 4 + 1` beats and marks the beat holding each
    /// note's exclusive end as occupied: it equals ours on the roll lengthened by one step in
    /// which every note sounds one step longer.
    @Test("muspy's empty-beat rate is ours with every note one step longer", .enabled(if: SharedData.shouldRun))
    func emptyBeatDifference() throws {
        for entry in Self.fixture.files {
            let roll = try Self.roll(entry)
            var dilated = roll.cropped(steps: 0..<(roll.steps + 1))
            for note in roll.notes where dilated[pitch: note.pitch, step: note.endStep] == .silent {
                dilated[pitch: note.pitch, step: note.endStep] = .sustain
            }
            let expected = try #require(entry.muspy["empty_beat_rate"])
            let ours = PieceStatistics(dilated).emptyBeatRate
            #expect(abs(ours - expected) < 1e-6, "\(entry.source): ours \(ours), muspy \(expected)")
        }
    }
}
