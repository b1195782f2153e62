import Foundation
import FractalModel
import ModelStore
import PianoRoll
import Testing
import TestSupport
import Training

/// `fractalmidi eval --checkpoint CKPT --data LIST`: a model's bits per cell beside the data's
/// baseline, computed as the trainer validates.
@Suite("fractalmidi eval --checkpoint")
struct EvalCheckpointTests {
    let tool: CommandLineTool
    let folder: TemporaryFolder

    init() throws {
        tool = try CommandLineTool()
        folder = try TemporaryFolder()
    }

    /// Three hand-made songs as MIDI files and a list naming them, run from `folder` (so the
    /// roll cache goes there too).
    func writeSongs(labels: [String?] = [nil, nil, nil]) throws -> URL {
        var lines: [String] = []
        for (index, label) in labels.enumerated() {
            let name = "song-\(index).mid"
            try handMadePiece(bars: 8 + 3 * index).writeMIDI(to: folder.url.appendingPathComponent(name))
            lines.append(label.map { "\(name)\t\($0)" } ?? name)
        }
        let list = folder.url.appendingPathComponent("songs.txt")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: list)
        return list
    }

    @Test("reports the trainer's validation figure and the data's marginal entropy, in text and JSON")
    func bitsPerCellAndBaseline() throws {
        defer { folder.remove() }
        let list = try writeSongs()
        let json = folder.url.appendingPathComponent("likelihood.json")
        let result = try tool.run(["eval", "--checkpoint", TinyCheckpoint.run.path, "--data", list.path, "--json", json.path],
                                  in: folder.url)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let bits = try #require(object["bits_per_cell"] as? Double)
        let baseline = try #require(object["baseline_bits_per_cell"] as? Double)
        #expect(object["songs"] as? Int == 3)

        // The same numbers computed here: the checkpoint's model on the same crops and seeds,
        // and the entropy of the songs' cells.
        let checkpoint = try Checkpoint.load(from: TinyCheckpoint.run, choosing: .best)
        let model = FractalGenerativeModel(config: checkpoint.config, seed: 99)
        try checkpoint.loadParameters(into: model)
        let songs = try (0..<3).map { try PianoRoll(contentsOf: folder.url.appendingPathComponent("song-\($0).mid")) }
        let dataset = DecodedDataset(
            songs: songs.enumerated().map { DecodedSong(item: DataItem(file: URL(fileURLWithPath: "\($0.offset)")), roll: $0.element, classIndex: -1) },
            styles: [], skipped: [])
        let crops = try ValidationCrops(dataset: dataset, cropLength: checkpoint.config.data.cropLength)
        let expected = crops.bitsPerCell(of: model, batchSize: checkpoint.config.training.valBatchSize)
        #expect(abs(bits - expected.bitsPerCell) < 1e-9, "eval \(bits), validation \(expected.bitsPerCell)")
        #expect(object["cells"] as? Int == expected.cells)
        var counts = [Int](repeating: 0, count: 34)
        for song in songs { for code in song.codes { counts[Int(code)] += 1 } }
        let total = Double(counts.reduce(0, +))
        let entropy = -counts.filter { $0 > 0 }.map { Double($0) / total }.reduce(0) { $0 + $1 * log2($1) }
        #expect(abs(baseline - entropy) < 1e-9)
        // An untrained model is far worse than the marginal baseline.
        #expect(bits > baseline)
        #expect(result.standardOutput.contains(String(format: "model bits per cell: %.4f", bits)))
        #expect(result.standardOutput.contains(String(format: "baseline bits per cell: %.4f", baseline)))
    }

    @Test("unlabeled songs are scored as the model's default style (not class 0), and the output says so")
    func unlabeledSongsUseTheDefaultStyle() throws {
        defer { folder.remove() }
        let run = try TinyCheckpoint.make(styles: ["bach", "pop"])
        defer { try? FileManager.default.removeItem(at: run) }
        let list = try writeSongs()
        let json = folder.url.appendingPathComponent("likelihood.json")
        let result = try tool.run(["eval", "--checkpoint", run.path, "--data", list.path, "--json", json.path], in: folder.url)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let bits = try #require(object["bits_per_cell"] as? Double)
        #expect(object["unlabeled_songs"] as? Int == 3)
        #expect(object["unlabeled_style"] as? String == "pop")
        #expect(result.standardOutput.contains(
            "styles: every song is unlabeled and scored as the model's default style pop (class 1); label a list's lines (file<TAB>style) to choose\n"))

        // The trainer's validation of the same crops with every song as class 1 (pop), and as class 0.
        let checkpoint = try Checkpoint.load(from: run, choosing: .best)
        let model = FractalGenerativeModel(config: checkpoint.config, seed: 99)
        try checkpoint.loadParameters(into: model)
        func score(asClass label: Int32) throws -> Double {
            let songs = try (0..<3).map { try PianoRoll(contentsOf: folder.url.appendingPathComponent("song-\($0).mid")) }
            let dataset = DecodedDataset(
                songs: songs.enumerated().map { DecodedSong(item: DataItem(file: URL(fileURLWithPath: "\($0.offset)")), roll: $0.element, classIndex: label) },
                styles: ["bach", "pop"], skipped: [])
            let crops = try ValidationCrops(dataset: dataset, cropLength: checkpoint.config.data.cropLength)
            return crops.bitsPerCell(of: model, batchSize: checkpoint.config.training.valBatchSize).bitsPerCell
        }
        #expect(abs(bits - (try score(asClass: 1))) < 1e-9)
        #expect(abs(bits - (try score(asClass: 0))) > 1e-6, "the two classes must score differently for this test to tell them apart")
    }

    @Test("labelled songs are scored as their styles, and the output says so")
    func labelledSongsUseTheirStyles() throws {
        defer { folder.remove() }
        let run = try TinyCheckpoint.make(styles: ["bach", "pop"])
        defer { try? FileManager.default.removeItem(at: run) }
        let list = try writeSongs(labels: ["bach", "bach", "pop"])
        let result = try tool.run(["eval", "--checkpoint", run.path, "--data", list.path], in: folder.url)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("styles: every song scored as its label's style\n"))
    }

    @Test("scores the same bits per cell on 1 and on 2 threads")
    func sameScoreAtEveryThreadCount() throws {
        defer { folder.remove() }
        let list = try writeSongs()
        var scores: [Double] = []
        for threads in ["1", "2"] {
            let json = folder.url.appendingPathComponent("likelihood-\(threads).json")
            let result = try tool.run(["eval", "--checkpoint", TinyCheckpoint.run.path, "--data", list.path,
                                       "--threads", threads, "--json", json.path], in: folder.url)
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
            scores.append(try #require(object["bits_per_cell"] as? Double))
        }
        #expect(scores[0] == scores[1])
    }

    @Test("bad combinations and inputs are one line and exit 1", arguments: [
        (["eval", "--checkpoint", "MODEL"], "--checkpoint and --data go together"),
        (["eval"], "nothing to evaluate"),
        (["eval", "--checkpoint", "MODEL", "--data", "LIST", "--chart", "c.png"], "--chart draws the statistics"),
        (["eval", "--checkpoint", "NOWHERE", "--data", "LIST"], "NOWHERE"),
        (["eval", "--checkpoint", "MODEL", "--data", "STYLED"], "style 'jazz' is not one of the training styles (none)"),
        (["eval", "--checkpoint", "MODEL", "--data", "LIST", "--threads", "0"], "--threads 0 is outside 1…256"),
    ])
    func userErrors(arguments: [String], fragment: String) throws {
        defer { folder.remove() }
        let list = try writeSongs()
        let styled = folder.url.appendingPathComponent("styled.txt")
        try Data("song-0.mid\tjazz\n".utf8).write(to: styled)
        let nowhere = folder.url.appendingPathComponent("no-such-run").path
        let replacements = ["MODEL": TinyCheckpoint.run.path, "LIST": list.path, "STYLED": styled.path, "NOWHERE": nowhere]
        let result = try tool.run(arguments.map { replacements[$0] ?? $0 }, in: folder.url)
        #expect(result.status == 1)
        let expected = fragment == "NOWHERE" ? nowhere : fragment
        #expect(result.standardError.hasPrefix("fractalmidi: ") && result.standardError.contains(expected),
                "stderr: \(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1)
    }
}
