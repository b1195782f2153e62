import Foundation
import PianoRoll
import Testing
import TestSupport
import Evaluation

/// A folder of small MIDI files written from hand-made rolls, for set and command-line tests.
struct MIDIFolder {
    let folder: TemporaryFolder
    var url: URL { folder.url }

    init() throws {
        folder = try TemporaryFolder()
    }

    /// Writes a roll holding `pitches` as consecutive one-beat notes to `name` (relative path).
    @discardableResult
    func write(_ name: String, pitches: [Int], steps: Int = 32) throws -> URL {
        let roll = try makeRoll(steps: steps, notes: pitches.enumerated().map { TestNote(pitch: $1, step: 4 * $0, length: 4) })
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try roll.writeMIDI(to: file)
        return file
    }

    /// Writes bytes that are not a MIDI file to `name`.
    @discardableResult
    func writeJunk(_ name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data("not a midi file".utf8).write(to: file)
        return file
    }
}

@Suite("Reading a folder of pieces")
struct PieceSetTests {
    @Test("reads .mid and .midi files recursively, sorted by path")
    func readsRecursively() throws {
        let folder = try MIDIFolder()
        defer { folder.folder.remove() }
        try folder.write("b.mid", pitches: [60, 62, 64])
        try folder.write("a/c.MIDI", pitches: [60, 67])
        try Data("notes".utf8).write(to: folder.url.appendingPathComponent("readme.txt"))
        var warnings: [String] = []
        let set = try PieceSet(folder: folder.url, role: "generated") { warnings.append($0) }
        #expect(set.files.map(\.lastPathComponent) == ["c.MIDI", "b.mid"])
        #expect(set.statistics.map(\.pitchesUsed) == [2, 3])
        #expect(set.skipped == 0)
        #expect(warnings.isEmpty)
    }

    @Test("an unreadable file is skipped with a one-line warning and counted")
    func skipsUnreadable() throws {
        let folder = try MIDIFolder()
        defer { folder.folder.remove() }
        try folder.write("good.mid", pitches: [60])
        let junk = try folder.writeJunk("junk.mid")
        var warnings: [String] = []
        let set = try PieceSet(folder: folder.url, role: "generated") { warnings.append($0) }
        #expect(set.statistics.count == 1)
        #expect(set.skipped == 1)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("warning: skipped \(junk.path): ") == true)
        #expect(warnings.first?.contains("\n") == false)
    }

    @Test("errors: missing folder, a file for a folder, no MIDI files, nothing readable")
    func errors() throws {
        let folder = try MIDIFolder()
        defer { folder.folder.remove() }
        let missing = folder.url.appendingPathComponent("nowhere")
        #expect(throws: EvaluationError.folderNotFound(missing, role: "reference")) {
            try PieceSet(folder: missing, role: "reference") { _ in }
        }
        #expect(EvaluationError.folderNotFound(missing, role: "reference").description
            == "reference folder \(missing.path) does not exist or is not a folder; pass a folder of .mid files")
        let file = try folder.write("one.mid", pitches: [60])
        #expect(throws: EvaluationError.folderNotFound(file, role: "generated")) {
            try PieceSet(folder: file, role: "generated") { _ in }
        }

        let empty = folder.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try Data().write(to: empty.appendingPathComponent("notes.txt"))
        #expect(throws: EvaluationError.noMIDIFiles(empty, role: "generated")) {
            try PieceSet(folder: empty, role: "generated") { _ in }
        }
        #expect(EvaluationError.noMIDIFiles(empty, role: "generated").description
            == "generated folder \(empty.path) contains no .mid or .midi files; pass a folder of MIDI files")

        try folder.writeJunk("empty/a.mid")
        try folder.writeJunk("empty/b.mid")
        #expect(throws: EvaluationError.noReadableFiles(empty, role: "generated", skipped: 2)) {
            try PieceSet(folder: empty, role: "generated") { _ in }
        }
        #expect(EvaluationError.noReadableFiles(empty, role: "generated", skipped: 2).description
            == "none of the 2 MIDI files in the generated folder \(empty.path) could be read (see the warnings above); "
            + "pass readable MIDI files")
    }
}
