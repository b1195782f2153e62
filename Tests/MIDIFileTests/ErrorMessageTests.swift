import Foundation
import MIDIFile
import Testing

/// Every error a user can hit names the file, the byte and the problem, in one line with a fix.
@Suite struct ErrorMessageTests {
    static let note: [UInt8] = [0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0]

    @Test func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent-folder/song.mid")
        #expect(throws: MIDIFileError(fileName: "song.mid", byteOffset: nil,
                                      problem: "no such file at /nonexistent-folder/song.mid", fix: "check the path")) {
            try StandardMIDIFile(contentsOf: url)
        }
        #expect(MIDIFileError(fileName: "song.mid", byteOffset: nil, problem: "no such file at /x/song.mid", fix: "check the path")
            .description == "song.mid: no such file at /x/song.mid; check the path")
    }

    @Test func folderInsteadOfFile() {
        let folder = FileManager.default.temporaryDirectory
        #expect {
            try StandardMIDIFile(contentsOf: folder)
        } throws: { error in
            "\(error)" == "\(folder.lastPathComponent): \(folder.path) is a folder, not a MIDI file; give the path of a .mid file"
        }
    }

    @Test("a file over the size limit is refused before it is read")
    func oversizedFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).mid")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(StandardMIDIFile.maximumFileSize + 1))  // sparse: no disk used
        try handle.close()
        #expect {
            try StandardMIDIFile(contentsOf: url)
        } throws: { error in
            "\(error)" == "\(url.lastPathComponent): 67108865 bytes is above the limit of 67108864 bytes for a MIDI file; check that this is a MIDI file; the largest real ones are a few megabytes"
        }
    }

    @Test func emptyFile() {
        let message = "test.mid: the file is empty (0 bytes), not a Standard MIDI File; choose a Standard MIDI File (.mid)"
        #expect(Bytes.error([])?.description == message)
        #expect(Bytes.error([])?.localizedDescription == message)
    }

    @Test func notAMIDIFile() {
        let riff = Array("RIFF\u{0}\u{0}\u{0}\u{0}RMIDdata".utf8)
        #expect(Bytes.error(riff)?.description
            == "test.mid: byte 0: not a Standard MIDI File: it starts with \"RIFF\" instead of \"MThd\"; choose a Standard MIDI File (.mid); a RIFF MIDI (.rmi) file must be converted to .mid first")
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A]
        #expect(Bytes.error(png)?.problem == "not a Standard MIDI File: it starts with bytes 89 50 4E 47 instead of \"MThd\"")
        #expect(Bytes.error(Array("MT".utf8))?.byteOffset == 0)
    }

    @Test func truncatedHeader() {
        let error = Bytes.error(Array(Bytes.header(tracks: 1).prefix(10)))
        #expect(error?.description
            == "test.mid: byte 10: the header chunk is truncated: the file ends after 10 bytes, a MIDI header needs 14; the file is truncated — download or export it again")
    }

    @Test func headerLengthTooShort() {
        let bytes = Bytes.header(tracks: 1, length: 6).enumerated().map { $0.offset == 7 ? 5 : $0.element }
            + Bytes.track(Bytes.endOfTrack)
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 4: header chunk length 5 is shorter than the 6 bytes a MIDI header needs; the file is corrupt — re-export it from the program that made it")
    }

    @Test func headerLengthPastTheEnd() {
        let bytes = Array("MThd".utf8) + Bytes.uint32(99_999) + [0, 1, 0, 1, 1, 224]
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 4: header chunk length 99999 runs past the end of the file (file is 14 bytes); the file is truncated — download or export it again")
    }

    @Test func unknownFormat() {
        #expect(Bytes.error(Bytes.header(format: 3, tracks: 1) + Bytes.track(Bytes.endOfTrack))?.description
            == "test.mid: byte 8: format 3 is not a Standard MIDI File format (0, 1 or 2); the file is corrupt — re-export it from the program that made it")
    }

    @Test func smpteDivision() {
        // -25 frames per second (0xE7), 40 ticks per frame.
        let bytes = Bytes.header(tracks: 1, division: 0xE728) + Bytes.track(Bytes.endOfTrack)
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 12: SMPTE time division (25 frames per second, 40 ticks per frame) is not supported, only ticks per beat; re-export the file with a musical (ticks per beat) time base")
    }

    @Test func zeroTicksPerBeat() {
        #expect(Bytes.error(Bytes.header(tracks: 1, division: 0) + Bytes.track(Bytes.endOfTrack))?.problem
            == "the header gives 0 ticks per beat")
    }

    @Test func noTrackChunk() {
        #expect(Bytes.error(Bytes.header(tracks: 2))?.description
            == "test.mid: byte 14: the file ends before its first track chunk (the header announces 2 tracks); the file is truncated — download or export it again")
    }

    @Test func garbageWhereAChunkShouldStart() {
        // The first track's declared length is 2 bytes too short, so the next "chunk" starts mid-event.
        let first = Bytes.track(Self.note + Bytes.endOfTrack, declaredLength: Self.note.count + 2)
        let bytes = Bytes.header(tracks: 2) + first + Bytes.track(Bytes.endOfTrack)
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 30: event runs past the end of track 1 of 2 (its chunk ends at byte 32); the file is corrupt — re-export it from the program that made it")
        let junk = Bytes.header(tracks: 2) + Bytes.track(Bytes.endOfTrack) + [0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0]
        #expect(Bytes.error(junk)?.description
            == "test.mid: byte 26: expected a chunk (such as \"MTrk\") but found bytes 01 02 03 04; the length of the chunk before it is wrong; the file is corrupt — re-export it from the program that made it")
    }

    @Test func variableLengthQuantityTooLong() {
        let bytes = Bytes.header(tracks: 1) + Bytes.track([0x81, 0x80, 0x80, 0x80, 0x00, 0x90, 60, 100] + Bytes.endOfTrack)
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 22: variable-length quantity is longer than 4 bytes in track 1 of 1; the file is corrupt — re-export it from the program that made it")
        let longMeta = Bytes.header(tracks: 1) + Bytes.track([0x00, 0xFF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] + Bytes.endOfTrack)
        #expect(Bytes.error(longMeta)?.byteOffset == 25)
    }

    @Test func dataByteWithoutRunningStatus() {
        let bytes = Bytes.header(tracks: 1) + Bytes.track([0x00, 60, 100] + Bytes.endOfTrack)
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 23: data byte 0x3C where a status byte is expected, and no running status is in effect in track 1 of 1; the file is corrupt — re-export it from the program that made it")
    }

    @Test func systemMessageInATrack() {
        let bytes = Bytes.header(tracks: 1) + Bytes.track(Self.note + [0x00, 0xF4] + Bytes.endOfTrack)
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 31: status byte 0xF4 (a system common or real-time message) cannot appear in a MIDI file track (track 1 of 1); the file is corrupt — re-export it from the program that made it")
    }

    @Test func eventPastTheEndOfItsChunk() {
        // A meta event whose length (100) runs past the chunk (which is not the file's last).
        let bytes = Bytes.header(tracks: 2) + Bytes.track([0x00, 0xFF, 0x01, 100, 65, 66]) + Bytes.track(Bytes.endOfTrack)
        #expect(Bytes.error(bytes)?.description
            == "test.mid: byte 22: event runs past the end of track 1 of 2 (its chunk ends at byte 28); the file is corrupt — re-export it from the program that made it")
    }

    @Test func writeIntoAMissingFolder() {
        let url = URL(fileURLWithPath: "/nonexistent-folder/out.mid")
        let file = StandardMIDIFile(format: 0, ticksPerBeat: 480, tracks: [MIDITrack(events: [])])
        #expect {
            try file.write(to: url)
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix("out.mid: cannot write /nonexistent-folder/out.mid (")
                && description.hasSuffix("); check that the folder exists and is writable")
                && !description.contains("\n")
        }
    }
}
