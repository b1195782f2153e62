import Foundation
import MIDIFile
import Testing

/// Hand-made files: what the writer produces, byte for byte, and that it reads back equal.
@Suite struct WriterTests {
    static let melody = MIDITrack(events: [
        MIDIEvent(tick: 0, message: .meta(.trackName(Array("Piano".utf8)))),
        MIDIEvent(tick: 0, message: .programChange(channel: 0, program: 0)),
        MIDIEvent(tick: 0, message: .noteOn(channel: 0, pitch: 60, velocity: 100)),
        MIDIEvent(tick: 0, message: .noteOn(channel: 0, pitch: 64, velocity: 90)),
        MIDIEvent(tick: 480, message: .noteOff(channel: 0, pitch: 60, velocity: 0)),
        MIDIEvent(tick: 480, message: .noteOn(channel: 0, pitch: 64, velocity: 0)),
        MIDIEvent(tick: 480, message: .controlChange(channel: 0, controller: 64, value: 127)),
        MIDIEvent(tick: 500, message: .pitchBend(channel: 0, value: -8192)),
        MIDIEvent(tick: 500, message: .pitchBend(channel: 0, value: 8191)),
        MIDIEvent(tick: 600, message: .polyphonicPressure(channel: 1, pitch: 60, pressure: 5)),
        MIDIEvent(tick: 600, message: .channelPressure(channel: 1, pressure: 7)),
        MIDIEvent(tick: 700, message: .sysex([0x7E, 0x7F, 0x09, 0x01, 0xF7])),
        MIDIEvent(tick: 700, message: .escape([0xF3, 0x01])),
        MIDIEvent(tick: 960, message: .meta(.endOfTrack)),
    ])
    static let conductor = MIDITrack(events: [
        MIDIEvent(tick: 0, message: .meta(.tempo(microsecondsPerBeat: 500_000))),
        MIDIEvent(tick: 0, message: .meta(.timeSignature(numerator: 6, denominator: 8, clocksPerClick: 24, thirtySecondNotesPerBeat: 8))),
        MIDIEvent(tick: 0, message: .meta(.keySignature(sharps: -3, mode: 1))),
        MIDIEvent(tick: 240, message: .meta(.other(type: 0x01, data: Array("text".utf8)))),
        MIDIEvent(tick: 960, message: .meta(.tempo(microsecondsPerBeat: 250_000))),
        MIDIEvent(tick: 960, message: .meta(.endOfTrack)),
    ])

    @Test func formatZeroBytesAreExactlyTheStandardEncoding() throws {
        let file = StandardMIDIFile(format: 0, ticksPerBeat: 96, tracks: [MIDITrack(events: [
            MIDIEvent(tick: 0, message: .meta(.tempo(microsecondsPerBeat: 500_000))),
            MIDIEvent(tick: 0, message: .noteOn(channel: 2, pitch: 60, velocity: 100)),
            MIDIEvent(tick: 200, message: .noteOn(channel: 2, pitch: 60, velocity: 0)),
            MIDIEvent(tick: 200, message: .noteOn(channel: 2, pitch: 62, velocity: 80)),
            MIDIEvent(tick: 296, message: .noteOff(channel: 2, pitch: 62, velocity: 64)),
        ])])
        let expected: [UInt8] = [
            0x4D, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96,
            0x4D, 0x54, 0x72, 0x6B, 0, 0, 0, 26,
            0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
            0x00, 0x92, 60, 100,
            0x81, 0x48, 60, 0,  // 200 = 0x81 0x48; running status
            0x00, 62, 80,
            0x60, 0x82, 62, 64,
            0x00, 0xFF, 0x2F, 0x00,  // end of track added at the last tick
        ]
        #expect([UInt8](file.encoded()) == expected)
        var withEnd = file
        withEnd.tracks[0].events.append(MIDIEvent(tick: 296, message: .meta(.endOfTrack)))
        #expect(try StandardMIDIFile(data: file.encoded(), fileName: "zero.mid") == withEnd)
    }

    @Test func formatOneRoundTripsEveryKindOfEvent() throws {
        let file = StandardMIDIFile(format: 1, ticksPerBeat: 480, tracks: [Self.conductor, Self.melody])
        let reread = try StandardMIDIFile(data: file.encoded(), fileName: "one.mid")
        #expect(reread == file)
        #expect(reread.tracks[1].name == "Piano")
        #expect(reread.tempoMap == [TempoChange(tick: 0, microsecondsPerBeat: 500_000),
                                    TempoChange(tick: 960, microsecondsPerBeat: 250_000)])
        #expect(reread.timeSignatures == [TimeSignature(tick: 0, numerator: 6, denominator: 8)])
        #expect(reread.notes == [
            MIDINote(track: 1, channel: 0, pitch: 60, onTick: 0, offTick: 480, velocity: 100),
            MIDINote(track: 1, channel: 0, pitch: 64, onTick: 0, offTick: 480, velocity: 90),
        ])
        #expect(reread.seconds(atTick: 960) == 1.0)
        #expect(reread.seconds(atTick: 1440) == 1.25)
    }

    @Test func writeToDiskReplacesTheFileWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("midi-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("song.mid")
        try Data("old contents that are longer than nothing".utf8).write(to: url)
        let file = StandardMIDIFile(format: 1, ticksPerBeat: 480, tracks: [Self.conductor, Self.melody])
        try file.write(to: url)
        #expect(try StandardMIDIFile(contentsOf: url) == file)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["song.mid"])
    }
}
