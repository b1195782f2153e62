import Foundation
import MIDIFile
import Testing
import TestSupport

/// The ten files of `midi-tests/malformed/`: each is read with a documented recovery
/// (docs/MIDI-RULES.md) or rejected with a clear error.
@Suite struct MalformedTests {
    /// What a recovered file must contain. The numbers come from an independent reading of the
    /// bytes (a 60-line Python script written for this check, not this reader): events per track
    /// including end-of-track, and a fingerprint of the FIFO-paired notes (count and the sums of
    /// onset ticks, offset ticks, pitches and velocities) with data bytes above 127 read as 127.
    struct Expected: Sendable, CustomTestStringConvertible {
        var file: String
        var format: Int
        var ticksPerBeat: Int
        var eventsPerTrack: [Int]
        var noteFingerprint: [Int]
        var testDescription: String { file }
    }

    static let recovered: [Expected] = [
        Expected(file: "simutrans_badkeysig_05-Boring-afternoon.mid", format: 1, ticksPerBeat: 192,
                 eventsPerTrack: [9, 24, 678, 4849, 2225, 6577, 2263, 6146, 288, 368, 362, 402, 4, 4],
                 noteFingerprint: [10032, 726_998_903, 728_578_715, 514_963, 606_140]),
        Expected(file: "simutrans_badkeysig_30-On-the-waterfront.mid", format: 1, ticksPerBeat: 192,
                 eventsPerTrack: [13, 522, 1992, 838, 920, 1115, 3087, 477, 503, 581, 585, 11],
                 noteFingerprint: [4512, 164_131_272, 164_771_923, 265_530, 218_896]),
        Expected(file: "songwrite_son_accordeon.mid", format: 0, ticksPerBeat: 150, eventsPerTrack: [29],
                 noteFingerprint: [10, 1152, 2496, 626, 1270]),
        Expected(file: "songwrite_son_chant.mid", format: 0, ticksPerBeat: 90, eventsPerTrack: [17],
                 noteFingerprint: [6, 864, 1248, 408, 762]),
        Expected(file: "songwrite_son_flute.mid", format: 0, ticksPerBeat: 90, eventsPerTrack: [24],
                 noteFingerprint: [4, 552, 936, 271, 508]),
        Expected(file: "songwrite_son_guitare.mid", format: 0, ticksPerBeat: 90, eventsPerTrack: [22],
                 noteFingerprint: [3, 168, 528, 159, 381]),
        Expected(file: "songwrite_son_lyre.mid", format: 0, ticksPerBeat: 90, eventsPerTrack: [15],
                 noteFingerprint: [5, 552, 1368, 284, 635]),
        Expected(file: "symusic_RunTimeError_unexpected_EOF.mid", format: 1, ticksPerBeat: 192,
                 eventsPerTrack: [4, 8, 300, 2361, 5904, 1080, 2632, 907, 468, 347, 202, 472, 219, 947, 903, 112],
                 noteFingerprint: [6085, 319_876_471, 320_776_977, 315_427, 595_224]),
        Expected(file: "symusic_ValueError_Control168.mid", format: 1, ticksPerBeat: 96,
                 eventsPerTrack: [13, 393, 1431, 3593, 987, 2781, 3942, 236, 3877, 25, 4, 3, 4, 15],
                 noteFingerprint: [6432, 125_232_099, 125_538_866, 394_210, 632_618]),
    ]

    static func read(_ name: String) throws -> StandardMIDIFile {
        try StandardMIDIFile(contentsOf: SharedData.url("midi-tests/malformed/" + name))
    }

    @Test(.enabled(if: SharedData.shouldRun)) func theFolderHoldsTheTenFilesTested() {
        let names = Set(SharedData.files(in: "midi-tests/malformed").map(\.lastPathComponent))
        #expect(names == Set(Self.recovered.map(\.file) + ["symusic_Issue104_Bizarre_Love_Triangle2.mid"]))
    }

    @Test(.enabled(if: SharedData.shouldRun), arguments: recovered)
    func recoveredFileHoldsWhatAnIndependentReadingFinds(_ expected: Expected) throws {
        let file = try Self.read(expected.file)
        #expect(file.format == expected.format)
        #expect(file.ticksPerBeat == expected.ticksPerBeat)
        #expect(file.tracks.map(\.events.count) == expected.eventsPerTrack)
        let notes = file.notes
        let sums: [Int] = [\MIDINote.onTick, \.offTick, \.pitch, \.velocity].map { field in
            notes.reduce(0) { $0 + $1[keyPath: field] }
        }
        #expect([notes.count] + sums == expected.noteFingerprint)
        // What it recovered is kept when written and read back.
        #expect(try StandardMIDIFile(data: file.encoded(), fileName: expected.file) == file)
    }

    /// Key signature mode 255 (mido rejects these files): kept verbatim, as `mode: 255`.
    @Test(.enabled(if: SharedData.shouldRun)) func keySignatureModeOutsideMajorAndMinorIsKept() throws {
        for name in ["simutrans_badkeysig_05-Boring-afternoon.mid", "simutrans_badkeysig_30-On-the-waterfront.mid"] {
            let keys = try Self.read(name).tracks.flatMap(\.events).compactMap { event -> [Int]? in
                guard case .meta(.keySignature(let sharps, let mode)) = event.message else { return nil }
                return [sharps, mode]
            }
            #expect(Set(keys) == [[-1, 255], [0, 0]], "\(name)")
        }
    }

    /// Data bytes above 127 (velocity 0xCC, controller value 0xFF or 168) are read as 127.
    @Test(.enabled(if: SharedData.shouldRun)) func dataBytesAbove127AreReadAs127() throws {
        // songwrite_son_chant.mid, decoded by hand from its 89 bytes: every velocity byte is 0xCC.
        #expect(try Self.read("songwrite_son_chant.mid").notes == [
            MIDINote(track: 0, channel: 0, pitch: 64, onTick: 0, offTick: 48, velocity: 127),
            MIDINote(track: 0, channel: 0, pitch: 67, onTick: 48, offTick: 96, velocity: 127),
            MIDINote(track: 0, channel: 0, pitch: 69, onTick: 96, offTick: 192, velocity: 127),
            MIDINote(track: 0, channel: 0, pitch: 72, onTick: 192, offTick: 240, velocity: 127),
            MIDINote(track: 0, channel: 0, pitch: 67, onTick: 240, offTick: 288, velocity: 127),
            MIDINote(track: 0, channel: 0, pitch: 69, onTick: 288, offTick: 384, velocity: 127),
        ])
        // songwrite_son_guitare.mid starts with controller 7 (volume) = 0xFF.
        #expect(try Self.read("songwrite_son_guitare.mid").tracks[0].events[0]
            == MIDIEvent(tick: 0, message: .controlChange(channel: 0, controller: 7, value: 127)))
        // symusic_ValueError_Control168.mid: bank select (controller 0) = 168 at byte 6042.
        let control168 = try Self.read("symusic_ValueError_Control168.mid").tracks[3].events
            .filter { $0.message == .controlChange(channel: 2, controller: 0, value: 127) }
        #expect(control168.count == 1)
    }

    /// Corrupt from byte 16384 on (a 16 KiB boundary: the rest is noise), and cut at 48 KiB
    /// while its header announces 26 tracks: rejected where the noise stops being MIDI.
    @Test(.enabled(if: SharedData.shouldRun)) func corruptFileIsRejectedWithTheByteAndTrack() {
        #expect {
            try Self.read("symusic_Issue104_Bizarre_Love_Triangle2.mid")
        } throws: { error in
            "\(error)" == "symusic_Issue104_Bizarre_Love_Triangle2.mid: byte 16399: status byte 0xF4 (a system common or real-time message) cannot appear in a MIDI file track (track 4 of 26); the file is corrupt — re-export it from the program that made it"
        }
    }
}
