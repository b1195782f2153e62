import Foundation
import MIDIFile
import Testing
import TestSupport

/// One golden file written by the independent Python parser mido 1.3.3
/// (`midi-tests/golden-mido/<folder>__<file>.json`, see the corpus README).
struct MidoGolden: Decodable {
    var source: String
    var format: Int
    var ticks_per_beat: Int
    var n_tracks: Int
    var events_per_track: [Int]
    var tempos: [[Int]]
    var time_signatures: [[Int]]
    var unterminated_notes: Int
    var notes: [[Int]]
    var seconds_mido: Double

    static let folder = "midi-tests/golden-mido"

    static func all() throws -> [MidoGolden] {
        try SharedData.files(in: folder, extensions: ["json"])
            .filter { $0.lastPathComponent != "_summary.json" }
            .map { try JSONDecoder().decode(MidoGolden.self, from: Data(contentsOf: $0)) }
    }

    var goldenNotes: [MIDINote] {
        notes.map { MIDINote(track: $0[0], channel: $0[1], pitch: $0[2], onTick: $0[3], offTick: $0[4], velocity: $0[5]) }
    }
}

/// Counts of each element, to compare note lists as multisets.
func multiset<T: Hashable>(_ items: [T]) -> [T: Int] {
    items.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

/// `a − b` as multisets, in `a`'s order.
func subtracting<T: Hashable>(_ a: [T], _ b: [T]) -> [T] {
    var remaining = multiset(b)
    return a.filter { item in
        if let count = remaining[item], count > 0 {
            remaining[item] = count - 1
            return false
        }
        return true
    }
}

@Suite struct GoldenTests {
    /// Every file of midi-tests has a golden or is listed in `_summary.json` as rejected by mido;
    /// of those, all but one are read here with documented recoveries (see MalformedTests).
    @Test(.enabled(if: SharedData.shouldRun)) func everyFileMidoRejectedIsAccountedFor() throws {
        struct Summary: Decodable { var rejected_by_mido: [[String]] }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: SharedData.url(MidoGolden.folder + "/_summary.json")))
        let rejected = Set(summary.rejected_by_mido.map { $0[0] })
        let golden = Set(try MidoGolden.all().map(\.source))
        let root = SharedData.url("midi-tests").standardizedFileURL.path + "/"
        let all = Set(SharedData.files(in: "midi-tests").map { String($0.standardizedFileURL.path.dropFirst(root.count)) })
        #expect(rejected.count == 9 && rejected.isDisjoint(with: golden))
        #expect(all == rejected.union(golden))
        let unreadable = rejected.filter { (try? StandardMIDIFile(contentsOf: SharedData.url("midi-tests/" + $0))) == nil }
        #expect(unreadable == ["malformed/symusic_Issue104_Bizarre_Love_Triangle2.mid"])
    }

    /// Every file mido read gives the same format, time base, tracks, event counts, tempo map,
    /// time signatures, length in seconds and notes — except the two documented differences: a
    /// note never terminated is kept (ended at its track's end-of-track tick) where mido drops it,
    /// and track chunks beyond the header's track count are read where mido ignores them.
    @Test(.enabled(if: SharedData.shouldRun)) func everyFileMidoReadMatchesItsGolden() throws {
        let goldens = try MidoGolden.all()
        #expect(goldens.count == 76)
        var unterminatedSeen = 0
        var extraTracks = 0
        for golden in goldens {
            let url = SharedData.url("midi-tests/" + golden.source)
            let file = try StandardMIDIFile(contentsOf: url)
            let name = Comment(rawValue: golden.source)
            #expect(file.format == golden.format, name)
            #expect(file.ticksPerBeat == golden.ticks_per_beat, name)
            // Our rule also reads track chunks beyond the header's count; mido stops at the count.
            let header = [UInt8](try Data(contentsOf: url).prefix(12))
            let announcedTracks = Int(header[10]) << 8 | Int(header[11])
            #expect(golden.n_tracks == announcedTracks, name)
            #expect(Array(file.tracks.prefix(announcedTracks).map(\.events.count)) == golden.events_per_track, name)
            let beyondTheCount = file.tracks.dropFirst(announcedTracks)
            extraTracks += beyondTheCount.count
            // Those extra tracks hold only meta events (so notes, tempi and meters still agree).
            #expect(beyondTheCount.allSatisfy { $0.events.allSatisfy { if case .meta = $0.message { true } else { false } } })
            #expect(file.tempoMap.map { [$0.tick, $0.microsecondsPerBeat] } == golden.tempos, name)
            #expect(file.timeSignatures.map { [$0.tick, $0.numerator, $0.denominator] } == golden.time_signatures, name)

            // mido's length: the last event of any track, in seconds via the tempo map.
            let end = file.seconds(atTick: file.tracks.map(\.endTick).max() ?? 0)
            #expect(abs(end - golden.seconds_mido) < 1e-5, "\(golden.source): \(end) s, mido \(golden.seconds_mido) s")

            let ours = file.notes
            let theirs = golden.goldenNotes
            #expect(subtracting(theirs, ours).isEmpty, "mido has notes we lack in \(golden.source)")
            // Our rule keeps unterminated notes; mido drops them. Exactly those may differ.
            let onlyOurs = subtracting(ours, theirs)
            #expect(onlyOurs.count == golden.unterminated_notes, name)
            for note in onlyOurs {
                #expect(note.offTick == file.tracks[note.track].endTick, "extra note \(note) in \(golden.source) is not an unterminated note")
            }
            unterminatedSeen += onlyOurs.count
            // Our order: onset, track, channel, pitch (then offset, velocity).
            #expect(ours == ours.sorted { ($0.onTick, $0.track, $0.channel, $0.pitch, $0.offTick, $0.velocity) < ($1.onTick, $1.track, $1.channel, $1.pitch, $1.offTick, $1.velocity) })
        }
        // The corpus holds exactly one unterminated note (openttd-openmsx/chuggachugga.mid).
        #expect(unterminatedSeen == 1)
        // One file holds track chunks beyond its header's count: music21-testPrimitive/test04.mid
        // announces 18 tracks and holds 19 (the last is an empty track named with spaces).
        #expect(extraTracks == 1)
    }
}
