import Foundation
import MIDIFile
import Testing
import TestSupport

/// The documented recoveries of docs/MIDI-RULES.md, on hand-made bytes and real files.
@Suite struct RecoveryTests {
    static let noteOn: [UInt8] = [0x00, 0x90, 60, 100]
    static let noteOff: [UInt8] = [0x60, 0x80, 60, 0]

    @Test(.enabled(if: SharedData.shouldRun)) func truncatedLastTrackKeepsItsCompleteEvents() throws {
        let bytes = [UInt8](try Data(contentsOf: SharedData.url("pop909/002.mid")))
        let original = try Bytes.read(bytes)
        let last = original.tracks.count - 1
        // Cut at several places inside the last track chunk, including mid-event.
        for cut in stride(from: bytes.count - 1, to: bytes.count - 2000, by: -97) {
            let recovered = try Bytes.read(Array(bytes.prefix(cut)))
            #expect(Array(recovered.tracks.prefix(last)) == Array(original.tracks.prefix(last)))
            var kept = recovered.tracks[last].events
            #expect(kept.removeLast() == MIDIEvent(tick: kept.last?.tick ?? 0, message: .meta(.endOfTrack)))
            #expect(!kept.isEmpty && kept.count < original.tracks[last].events.count)
            #expect(Array(original.tracks[last].events.prefix(kept.count)) == kept, "cut at \(cut)")
        }
    }

    @Test func fileCutBeforeItsLastTracksKeepsTheTracksItHolds() throws {
        let bytes = Bytes.header(tracks: 3) + Bytes.track(Self.noteOn + Self.noteOff + Bytes.endOfTrack) + Array("MTr".utf8)
        let file = try Bytes.read(bytes)
        #expect(file.tracks.count == 1)
        #expect(file.notes == [MIDINote(track: 0, channel: 0, pitch: 60, onTick: 0, offTick: 96, velocity: 100)])
    }

    @Test func missingEndOfTrackIsAddedAtTheLastEventsTick() throws {
        let file = try Bytes.read(Bytes.header(tracks: 1) + Bytes.track(Self.noteOn + Self.noteOff))
        #expect(file.tracks[0].events.last == MIDIEvent(tick: 96, message: .meta(.endOfTrack)))
        #expect(file.tracks[0].events.count == 3)
    }

    @Test func bytesAfterEndOfTrackInsideTheChunkAreIgnored() throws {
        let file = try Bytes.read(Bytes.header(tracks: 1) + Bytes.track(Self.noteOn + Bytes.endOfTrack + Self.noteOff))
        #expect(file.tracks[0].events.map(\.message) == [.noteOn(channel: 0, pitch: 60, velocity: 100), .meta(.endOfTrack)])
    }

    @Test func runningStatusSurvivesMetaAndSysexEvents() throws {
        let body: [UInt8] = Self.noteOn + [0x00, 0xFF, 0x01, 0x01, 65] + [0x00, 0xF0, 0x01, 0xF7] + [0x60, 60, 0] + Bytes.endOfTrack
        let file = try Bytes.read(Bytes.header(tracks: 1) + Bytes.track(body))
        #expect(file.tracks[0].events[3] == MIDIEvent(tick: 96, message: .noteOn(channel: 0, pitch: 60, velocity: 0)))
        #expect(file.notes == [MIDINote(track: 0, channel: 0, pitch: 60, onTick: 0, offTick: 96, velocity: 100)])
    }

    @Test func unknownChunksAndLongerHeadersAreSkipped() throws {
        let bytes = Bytes.header(tracks: 1, length: 10) + Bytes.chunk("XFIH", [1, 2, 3])
            + Bytes.track(Self.noteOn + Self.noteOff + Bytes.endOfTrack) + Array("trailing junk".utf8)
        let file = try Bytes.read(bytes)
        #expect(file.tracks.count == 1)
        #expect(file.notes.count == 1)
    }

    @Test func metaEventsWithNonStandardLengthsStayRaw() throws {
        let body: [UInt8] = [0x00, 0xFF, 0x51, 0x02, 0x07, 0xA1, 0x00, 0xFF, 0x58, 0x04, 4, 31, 24, 8, 0x00, 0xFF, 0x59, 0x01, 0x00]
            + Bytes.endOfTrack
        let file = try Bytes.read(Bytes.header(tracks: 1) + Bytes.track(body))
        #expect(file.tracks[0].events.map(\.message) == [
            .meta(.other(type: 0x51, data: [0x07, 0xA1])), .meta(.other(type: 0x58, data: [4, 31, 24, 8])),
            .meta(.other(type: 0x59, data: [0])), .meta(.endOfTrack),
        ])
        #expect(file.tempoMap.isEmpty && file.timeSignatures.isEmpty)
        #expect(try StandardMIDIFile(data: file.encoded(), fileName: "raw.mid") == file)
    }

    @Test func formatTwoKeepsItsTracksSeparate() throws {
        let bytes = Bytes.header(format: 2, tracks: 2) + Bytes.track(Self.noteOn + Self.noteOff + Bytes.endOfTrack)
            + Bytes.track(Self.noteOn + Self.noteOff + Bytes.endOfTrack)
        let file = try Bytes.read(bytes)
        #expect(file.format == 2 && file.tracks.count == 2 && file.tracks[0] == file.tracks[1])
        #expect(try StandardMIDIFile(data: file.encoded(), fileName: "two.mid") == file)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func trackNamesInLegacyEncodingsNeverFail() throws {
        // music21's test files name tracks in Shift-JIS and GBK: invalid UTF-8 becomes U+FFFD.
        let names = try SharedData.files(in: "midi-tests/music21-testPrimitive")
            .flatMap { try StandardMIDIFile(contentsOf: $0).tracks.compactMap(\.name) }
        #expect(names.contains { $0.contains("\u{FFFD}") })
        let utf8 = MIDITrack(events: [MIDIEvent(tick: 0, message: .meta(.trackName(Array("ピアノ".utf8))))])
        #expect(utf8.name == "ピアノ")
        #expect(MIDITrack(events: []).name == nil)
    }
}

/// The note-pairing rule of docs/MIDI-RULES.md on hand-made tracks.
@Suite struct NotePairingTests {
    static func notes(_ messages: [(Int, MIDIMessage)], format: Int = 0) -> [MIDINote] {
        StandardMIDIFile(format: format, ticksPerBeat: 480, tracks: [
            MIDITrack(events: messages.map { MIDIEvent(tick: $0.0, message: $0.1) }),
        ]).notes
    }

    @Test func overlappingSamePitchPairsFirstInFirstOut() {
        let notes = Self.notes([
            (0, .noteOn(channel: 0, pitch: 60, velocity: 10)),
            (100, .noteOn(channel: 0, pitch: 60, velocity: 20)),
            (200, .noteOff(channel: 0, pitch: 60, velocity: 0)),
            (300, .noteOn(channel: 0, pitch: 60, velocity: 0)),
        ])
        #expect(notes == [
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 0, offTick: 200, velocity: 10),
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 100, offTick: 300, velocity: 20),
        ])
    }

    @Test func zeroLengthNotesAreKept() {
        let notes = Self.notes([
            (50, .noteOn(channel: 3, pitch: 40, velocity: 90)),
            (50, .noteOff(channel: 3, pitch: 40, velocity: 0)),
        ])
        #expect(notes == [MIDINote(track: 0, channel: 3, pitch: 40, onTick: 50, offTick: 50, velocity: 90)])
    }

    @Test func unterminatedNotesEndAtTheEndOfTrack() {
        let notes = Self.notes([
            (0, .noteOn(channel: 0, pitch: 60, velocity: 10)),
            (10, .noteOn(channel: 0, pitch: 60, velocity: 20)),
            (20, .noteOff(channel: 0, pitch: 60, velocity: 0)),
            (30, .noteOn(channel: 1, pitch: 61, velocity: 30)),
            (900, .meta(.endOfTrack)),
        ])
        #expect(notes == [
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 0, offTick: 20, velocity: 10),
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 10, offTick: 900, velocity: 20),
            MIDINote(track: 0, channel: 1, pitch: 61, onTick: 30, offTick: 900, velocity: 30),
        ])
    }

    @Test func strayNoteOffsAndOtherChannelsDoNotPair() {
        let notes = Self.notes([
            (0, .noteOff(channel: 0, pitch: 60, velocity: 0)),
            (0, .noteOn(channel: 0, pitch: 60, velocity: 10)),
            (5, .noteOff(channel: 1, pitch: 60, velocity: 0)),
            (9, .noteOff(channel: 0, pitch: 60, velocity: 0)),
        ])
        #expect(notes == [MIDINote(track: 0, channel: 0, pitch: 60, onTick: 0, offTick: 9, velocity: 10)])
    }

    @Test(.enabled(if: SharedData.shouldRun)) func zeroLengthAndOverlappingNotesOfTheCorpusAgreeWithMido() throws {
        // mido keeps zero-length notes too; these two files hold one each.
        for path in ["music21-testPrimitive/test16.mid", "openttd-openmsx/tttheme2.mid"] {
            let notes = try StandardMIDIFile(contentsOf: SharedData.url("midi-tests/" + path)).notes
            #expect(notes.filter { $0.onTick == $0.offTick }.count == 1, "\(path)")
        }
    }

    @Test func secondsFollowTheTempoMap() {
        let file = StandardMIDIFile(format: 1, ticksPerBeat: 100, tracks: [MIDITrack(events: [
            MIDIEvent(tick: 0, message: .meta(.tempo(microsecondsPerBeat: 1_000_000))),
            MIDIEvent(tick: 0, message: .meta(.tempo(microsecondsPerBeat: 500_000))),
            MIDIEvent(tick: 200, message: .meta(.tempo(microsecondsPerBeat: 2_000_000))),
        ])])
        #expect(file.seconds(atTicks: [0, 100, 200, 250, 300]) == [0, 0.5, 1.0, 2.0, 3.0])
        #expect(file.seconds(atTick: 250) == 2.0)
        // No tempo event: 120 beats per minute.
        #expect(StandardMIDIFile(format: 0, ticksPerBeat: 480, tracks: []).seconds(atTick: 960) == 1.0)
    }
}

/// Track chunks beyond the header's count, and trailing data.
@Suite struct TrackCountTests {
    static let track = Bytes.track([0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0] + Bytes.endOfTrack)

    @Test func trackChunksBeyondTheAnnouncedCountAreRead() throws {
        #expect(try Bytes.read(Bytes.header(tracks: 0) + Self.track + Self.track).tracks.count == 2)
        #expect(try Bytes.read(Bytes.header(tracks: 1) + Self.track + Self.track).notes.map(\.track) == [0, 1])
    }

    @Test func trailingDataAfterTheTracksIsIgnored() throws {
        let file = try Bytes.read(Bytes.header(tracks: 1) + Self.track + [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
        #expect(file.tracks.count == 1 && file.endTick == 96)
    }

    @Test func anInvalidFormatIsNeverWritten() throws {
        let file = StandardMIDIFile(format: 7, ticksPerBeat: 0, tracks: [MIDITrack(events: [])])
        let reread = try StandardMIDIFile(data: file.encoded(), fileName: "clamped.mid")
        #expect(reread.format == 2 && reread.ticksPerBeat == 1)
    }
}
