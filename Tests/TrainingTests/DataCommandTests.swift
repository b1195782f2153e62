import Foundation
import TestSupport
import Testing
import Training

/// End-to-end runs of `fractalmidi data split` and `fractalmidi data cache`.
@Suite struct DataCommandTests {
    let tool: CommandLineTool

    init() throws {
        tool = try CommandLineTool()
    }

    private func songs(_ count: Int, in folder: URL) throws -> URL {
        let songs = folder.appendingPathComponent("songs")
        for index in 0..<count {
            try writeSong(try scaleRoll(lowest: 40 + index, beats: 8), named: "\(index % 3)/song\(index).mid", in: songs)
        }
        return songs
    }

    @Test func splitWritesTheSameListsForTheSameSeed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let songs = try songs(20, in: folder.url)
        let first = try tool.run(["data", "split", songs.path, "--valid", "10%", "--seed", "42", "-o", "lists"], in: folder.url)
        #expect(first.status == 0)
        #expect(first.standardError.isEmpty)
        let lists = folder.url.appendingPathComponent("lists")
        #expect(first.standardOutput == "\(lists.path)/train.txt: 18 training files\n\(lists.path)/valid.txt: 2 validation files\n")
        let train = try MusicDataset(path: lists.appendingPathComponent("train.txt").path)
        let valid = try MusicDataset(path: lists.appendingPathComponent("valid.txt").path)
        #expect(Set(train.items.map(\.file)).isDisjoint(with: valid.items.map(\.file)))
        #expect(train.items.count + valid.items.count == 20)
        let expected = try DataSplit(items: try MusicDataset(path: songs.path).items, validShare: 0.1, seed: 42, root: songs)
        #expect(valid.items == expected.valid)

        let again = try tool.run(["data", "split", songs.path, "--valid", "0.1", "--seed", "42", "-o", "again"], in: folder.url)
        #expect(again.status == 0)
        for name in ["train.txt", "valid.txt"] {
            let one = try String(contentsOf: lists.appendingPathComponent(name), encoding: .utf8)
            let two = try String(contentsOf: folder.url.appendingPathComponent("again/\(name)"), encoding: .utf8)
            #expect(one == two)
        }
    }

    @Test func splitErrorsAreOneLineAndExitOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let songs = try songs(3, in: folder.url)
        let badShare = try tool.run(["data", "split", songs.path, "--valid", "half"], in: folder.url)
        #expect(badShare.status == 1)
        #expect(badShare.standardError == "fractalmidi: validation share 'half' is not valid; write a percentage like 5% or a fraction like 0.05 (above 0, below 1)\n")
        let missing = try tool.run(["data", "split", "nowhere"], in: folder.url)
        #expect(missing.status == 1)
        #expect(missing.standardError == "fractalmidi: nowhere: no such file or folder; pass a folder of MIDI files, a file list or a .mid file\n")
    }

    @Test func cacheBuildsOnceThenHits() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let songs = try songs(4, in: folder.url)
        let cache = folder.url.appendingPathComponent("rolls").path
        let first = try tool.run(["data", "cache", songs.path, "--cache", cache], in: folder.url)
        #expect(first.status == 0)
        #expect(first.standardOutput.contains("4 songs (128 steps) cached; 0 already cached, 4 decoded, 0 rebuilt, 0 skipped\n"))
        // Each song: 8 onsets and 16 sustained cells among 128 × 32.
        let shares = [8.0, 16.0, 4096.0 - 24.0].map { $0 / 4096 }
        let entropy = -shares.reduce(0) { $0 + $1 * log2($1) }
        #expect(first.standardOutput.hasSuffix(String(format: "cell entropy: %.4f bits per cell (the baseline a model's bits per cell must beat)\n", entropy)))
        #expect(first.standardError.hasPrefix("cache: 4 files in "))
        let second = try tool.run(["data", "cache", songs.path, "--cache", cache], in: folder.url)
        #expect(second.standardOutput.contains("4 already cached, 0 decoded, 0 rebuilt, 0 skipped\n"))
    }

    @Test func cacheReportsAMissingListedFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let list = folder.url.appendingPathComponent("list.txt")
        try "# songs\nlost.mid\n".write(to: list, atomically: true, encoding: .utf8)
        let result = try tool.run(["data", "cache", "list.txt", "--cache", "rolls"], in: folder.url)
        #expect(result.status == 1)
        #expect(result.standardError == "fractalmidi: \(list.path):2: lost.mid: no such file; fix the path (relative to the list's folder) or remove the line\n")
    }
}
