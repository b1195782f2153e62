import Foundation
import PianoRoll
import TestSupport
import Testing
import Training

@Suite struct DataSourceTests {
    @Test func fileListReadsLabelsCommentsRelativeAndAbsolutePaths() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let song = try scaleRoll()
        let a = try writeSong(song, named: "music/a.mid", in: folder.url)
        let b = try writeSong(song, named: "music/deep/b.midi", in: folder.url)
        let c = try writeSong(song, named: "elsewhere/c.mid", in: folder.url)
        let list = folder.url.appendingPathComponent("music/list.txt")
        try """
            # training songs
            a.mid\tjazz

              deep/b.midi
            \(c.path)\tclassical
            """.write(to: list, atomically: true, encoding: .utf8)

        let items = try DataSource(path: list.path, style: "pop").items()
        #expect(items == [
            DataItem(file: a, style: "jazz"),
            DataItem(file: b, style: "pop"),
            DataItem(file: c, style: "classical"),
        ])
        let dataset = try MusicDataset(sources: [DataSource(path: list.path, style: "pop")])
        #expect(dataset.styles == ["classical", "jazz", "pop"])
        #expect(dataset.items.map(dataset.classIndex(of:)) == [1, 2, 0])
    }

    @Test func idWithoutExtensionNamesTheMIDIFileBesideTheList() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let song = try writeSong(try scaleRoll(), named: "020.mid", in: folder.url)
        let list = folder.url.appendingPathComponent("ids.txt")
        try "020\n".write(to: list, atomically: true, encoding: .utf8)
        #expect(try DataSource(path: list.path).items() == [DataItem(file: song)])
    }

    @Test(.enabled(if: SharedData.shouldRun)) func ciMiniListResolvesToPOP909Songs() throws {
        let list = SharedData.url("pop909/ci_mini.txt")
        let dataset = try MusicDataset(path: list.path)
        #expect(dataset.items.count == 36)
        #expect(dataset.items.first?.file == SharedData.url("pop909/020.mid").standardizedFileURL)
        #expect(dataset.styles.isEmpty)
        #expect(dataset.items.allSatisfy { dataset.classIndex(of: $0) == MusicDataset.unlabeledClass })
    }

    @Test func missingListedFileNamesListLineAndPath() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeSong(try scaleRoll(), named: "a.mid", in: folder.url)
        let list = folder.url.appendingPathComponent("list.txt")
        try "# header\na.mid\nmissing.mid\n".write(to: list, atomically: true, encoding: .utf8)
        let error = #expect(throws: DataError.self) { try DataSource(path: list.path).items() }
        #expect(error?.description == "\(list.path):3: missing.mid: no such file; fix the path (relative to the list's folder) or remove the line")
    }

    @Test func listLineWithThreeFieldsIsRejected() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeSong(try scaleRoll(), named: "a.mid", in: folder.url)
        let list = folder.url.appendingPathComponent("list.txt")
        try "a.mid\tpop\textra\n".write(to: list, atomically: true, encoding: .utf8)
        let error = #expect(throws: DataError.self) { try DataSource(path: list.path).items() }
        #expect(error?.description == "\(list.path):1: 3 tab-separated fields; write a path, optionally a tab and a style label")
    }

    @Test func listedFolderIsRejected() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeSong(try scaleRoll(), named: "sub/a.mid", in: folder.url)
        let list = folder.url.appendingPathComponent("list.txt")
        try "sub.mid\nsub\n".write(to: list, atomically: true, encoding: .utf8)
        let error = #expect(throws: DataError.self) { try DataSource(path: list.path).items() }
        #expect(error == .missingListedFile(list: list.path, line: 1, path: "sub.mid"))
        try "sub\n".write(to: list, atomically: true, encoding: .utf8)
        let second = #expect(throws: DataError.self) { try DataSource(path: list.path).items() }
        #expect(second?.description == "\(list.path):1: sub is a folder; list MIDI files one per line, or pass the folder itself as data")
    }

    @Test func folderIsSearchedRecursivelyInPathOrder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let song = try scaleRoll()
        let b = try writeSong(song, named: "z/b.mid", in: folder.url)
        let a = try writeSong(song, named: "a.MID", in: folder.url)
        try "not music".write(to: folder.url.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let dataset = try MusicDataset(sources: [DataSource(path: folder.url.path, style: "x")])
        #expect(dataset.items == [DataItem(file: a, style: "x"), DataItem(file: b, style: "x")])
        #expect(dataset.styles == ["x"])
    }

    @Test func missingPathAndEmptyFolderAreErrors() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let missing = folder.url.appendingPathComponent("nothing").path
        let error = #expect(throws: DataError.self) { try DataSource(path: missing) }
        #expect(error?.description == "\(missing): no such file or folder; pass a folder of MIDI files, a file list or a .mid file")
        let empty = #expect(throws: DataError.self) { try MusicDataset(path: folder.url.path) }
        #expect(empty?.description == "\(folder.url.standardizedFileURL.path): no music to train on (it holds no MIDI files); pass a folder or list with readable .mid files")
    }

    @Test func validationStylesMustBeTrainingStyles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try writeSong(try scaleRoll(), named: "a.mid", in: folder.url)
        let source = try DataSource(path: file.path, style: "rock")
        let error = #expect(throws: DataError.self) { try MusicDataset(sources: [source], styles: ["jazz", "pop"]) }
        #expect(error?.description == "\(file.path): style 'rock' is not one of the training styles (jazz, pop); use one of those labels")
        let dataset = try MusicDataset(sources: [DataSource(path: file.path, style: "pop")], styles: ["jazz", "pop"])
        #expect(dataset.classIndex(of: dataset.items[0]) == 1)
    }
}
