import Foundation
import PianoRoll
import Testing
import TestSupport

/// `fractalmidi data crops`: fixed real excerpts written as MIDI, the reference set for eval.
@Suite("fractalmidi data crops")
struct DataCropsTests {
    let tool: CommandLineTool
    let folder: TemporaryFolder

    init() throws {
        tool = try CommandLineTool()
        folder = try TemporaryFolder()
    }

    /// Songs of 8, 11 and 14 bars of 3/4 (96, 132 and 168 steps) and a 1-bar one.
    func writeSongs() throws -> [PianoRoll] {
        let songs = try [8, 11, 14, 1].map { try handMadePiece(bars: $0) }
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("music"), withIntermediateDirectories: true)
        for (index, song) in songs.enumerated() {
            try song.writeMIDI(to: folder.url.appendingPathComponent("music/song\(index).mid"))
        }
        return songs
    }

    @Test("writes --count excerpts of --bars × 16 steps, each a window of its song, the same every time")
    func excerpts() throws {
        defer { folder.remove() }
        let songs = try writeSongs()
        let output = folder.url.appendingPathComponent("crops")
        let arguments = ["data", "crops", folder.url.appendingPathComponent("music").path, "--bars", "4", "--count", "5", "-o", output.path]
        let result = try tool.run(arguments, in: folder.url)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("\(output.path): 5 excerpts of 4 bars from 3 songs"))
        let names = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
        #expect(names.count == 5)
        var first: [String: Data] = [:]
        for name in names {
            first[name] = try Data(contentsOf: output.appendingPathComponent(name))
            let index = try #require(Int(name.dropFirst(4).prefix(1)), "\(name)")
            #expect(name.hasPrefix("song\(index)-crop"))
            let source = songs[index]
            let crop = try PianoRoll(contentsOf: output.appendingPathComponent(name))
            #expect(crop.steps <= 64 && crop.steps > 48, "\(name): \(crop.steps) steps")
            let windows = (0...(source.steps - 64)).filter { start in
                source.cropped(steps: start..<(start + crop.steps)).codes == crop.codes
            }
            #expect(!windows.isEmpty, "\(name) is no window of song\(index)")
            // K in NAME-cropK is the crop's place among the song's crops; the first starts the song.
            if name.hasSuffix("-crop1.mid") { #expect(windows.contains(0), "\(name) does not start its song") }
            let place = try #require(Int(name.dropFirst("song0-crop".count).dropLast(".mid".count)), "\(name)")
            #expect((1...4).contains(place))
        }
        // The same music gives the same excerpts.
        try FileManager.default.removeItem(at: output)
        #expect(try tool.run(arguments, in: folder.url).status == 0)
        for (name, data) in first { #expect(try Data(contentsOf: output.appendingPathComponent(name)) == data, "\(name)") }
    }

    @Test("K in NAME-cropK is the crop's place among its song's crops, whichever crops are kept")
    func namesSayWhereInTheSong() throws {
        defer { folder.remove() }
        _ = try writeSongs()
        let output = folder.url.appendingPathComponent("crops")
        // 4-bar crops: song0 holds one, song1 and song2 two each; two of the five, spread
        // evenly, are the first (song0's) and the third (song1's second).
        let result = try tool.run(["data", "crops", folder.url.appendingPathComponent("music").path, "--bars", "4", "--count", "2",
                                   "-o", output.path], in: folder.url)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).sorted() == ["song0-crop1.mid", "song1-crop2.mid"])
    }

    @Test("a crop longer than every song, and bad numbers, are one-line errors")
    func errors() throws {
        defer { folder.remove() }
        _ = try writeSongs()
        let music = folder.url.appendingPathComponent("music").path
        for (arguments, fragment) in [
            (["--bars", "20"], "no song is 20 bars (320 steps) long; ask for fewer --bars"),
            (["--bars", "0"], "--bars 0 is outside 1…256"),
            (["--count", "0"], "--count 0 must be at least 1"),
        ] {
            let result = try tool.run(["data", "crops", music, "-o", folder.url.appendingPathComponent("out").path] + arguments,
                                      in: folder.url)
            // Progress lines may come first; the error is the one last line.
            let lines = result.standardError.split(separator: "\n")
            #expect(result.status == 1)
            #expect(lines.last?.hasPrefix("fractalmidi: ") == true && lines.last?.contains(fragment) == true, "\(result.standardError)")
            #expect(lines.filter { $0.hasPrefix("fractalmidi: ") }.count == 1)
        }
    }
}
