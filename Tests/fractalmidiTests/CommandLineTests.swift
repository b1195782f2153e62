import Foundation
import Testing
import TestSupport

/// End-to-end tests of the `fractalmidi` executable: outputs, exit statuses and messages.
@Suite("fractalmidi command line")
struct CommandLineTests {
    let tool: CommandLineTool

    init() throws {
        tool = try CommandLineTool()
    }

    @Test("info --json matches mido's golden file", .enabled(if: SharedData.shouldRun))
    func infoJSONMatchesGolden() throws {
        let midi = SharedData.url("midi-tests/music21-testPrimitive/test05.mid")
        let golden = SharedData.url("midi-tests/golden-mido/music21-testPrimitive__test05.mid.json")
        let result = try tool.run(["info", midi.path, "--json"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: golden)) as? [String: Any])
        for key in ["format", "ticks_per_beat", "n_tracks"] {
            #expect(ours[key] as? Int == expected[key] as? Int, "\(key)")
        }
        for key in ["tempos", "time_signatures", "notes"] {
            #expect(ours[key] as? [[Int]] == expected[key] as? [[Int]], "\(key)")
        }
    }

    @Test("info prints tracks, tempo, grid offset and roll statistics", .enabled(if: SharedData.shouldRun))
    func infoTable() throws {
        let result = try tool.run(["info", SharedData.url("pop909/002.mid").path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        for fragment in ["ticks per beat      480", "\"MELODY\"", "\"PIANO\"", "BPM @ 0", "grid offset", "piano roll", "polyphony"] {
            #expect(result.standardOutput.contains(fragment), "missing \(fragment) in:\n\(result.standardOutput)")
        }
    }

    @Test("info says when a file's music moves onto the 8th-note grid", .enabled(if: SharedData.shouldRun))
    func infoEighthNoteGrid() throws {
        // POP909 song 009 sits a 16th off its beat grid; song 002 does not.
        let moved = try tool.run(["info", SharedData.url("pop909/009.mid").path])
        #expect(moved.standardOutput.contains("of onsets on odd steps; music moved 1 step later"), "\(moved.standardOutput)")
        let kept = try tool.run(["info", SharedData.url("pop909/002.mid").path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(kept.standardOutput.utf8)) as? [String: Any])
        #expect(object["delay_steps"] as? Int == 0)
        #expect((object["odd_step_onset_share"] as? Double).map { $0 < 0.6 } == true)
    }

    @Test("roll writes a PNG and the quantised MIDI, which reads back to the same roll", .enabled(if: SharedData.shouldRun))
    func rollWritesPictureAndMIDI() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let png = folder.url.appendingPathComponent("song.png")
        let mid = folder.url.appendingPathComponent("song.mid")
        let source = SharedData.url("bach-chorales/bach_bwv101.7.mid").path
        let result = try tool.run(["roll", source, "-o", png.path, "--mid", mid.path, "--scale", "3", "--pitch-range", "C2-C6"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // Height: 49 pitches (C2 = 36 … C6 = 84) at scale 3.
        let height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(height == 49 * 3)

        let original = try tool.run(["info", source, "--json"])
        let quantised = try tool.run(["info", mid.path, "--json"])
        let originalRoll = try #require(try JSONSerialization.jsonObject(with: Data(original.standardOutput.utf8)) as? [String: Any])["roll"] as? [String: Any]
        let quantisedRoll = try #require(try JSONSerialization.jsonObject(with: Data(quantised.standardOutput.utf8)) as? [String: Any])["roll"] as? [String: Any]
        #expect(originalRoll?["notes"] as? Int == quantisedRoll?["notes"] as? Int)
        #expect(originalRoll?["steps"] as? Int == quantisedRoll?["steps"] as? Int)
    }

    @Test("user errors print one line naming the problem and exit with status 1", arguments: [
        (["info", "/nonexistent/song.mid"], "song.mid"),
        (["roll", "/nonexistent/song.mid", "-o", "/tmp/x.png"], "song.mid"),
        (["roll"], "Missing expected argument"),
        (["info", "--velocity-bins", "0", "x.mid"], "--velocity-bins 0"),
        (["frobnicate"], "frobnicate"),
        (["plan", "--config", "/nonexistent/config.yaml"], "config.yaml"),
    ])
    func userErrors(arguments: [String], fragment: String) throws {
        let result = try tool.run(arguments)
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("fractalmidi: "))
        #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test("roll rejects bad scales and pitch ranges with a fix", .enabled(if: SharedData.shouldRun), arguments: [
        (["--scale", "0"], "scale 0"),
        (["--scale", "99"], "scale 99"),
        (["--pitch-range", "C5-C3"], "put the lower pitch first (C3-C5)"),
        (["--pitch-range", "H2-C3"], "is not a pitch range"),
        (["--pitch-range", "60-200"], "outside the MIDI range"),
    ])
    func rollOptionErrors(options: [String], fragment: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let png = folder.url.appendingPathComponent("out.png")
        let result = try tool.run(["roll", SharedData.url("pop909/002.mid").path, "-o", png.path] + options)
        #expect(result.status == 1)
        #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: png.path), "no picture is written on error")
    }

    @Test("a malformed MIDI file is a one-line error naming the file and the byte offset")
    func malformedFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("broken.mid")
        try Data("MThd\u{0}\u{0}\u{0}\u{6}\u{0}\u{1}\u{0}\u{2}\u{1}\u{E0}MTrk\u{0}\u{0}\u{FF}\u{FF}".utf8).write(to: file)
        let result = try tool.run(["info", file.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("broken.mid"))
        #expect(result.standardError.contains("byte"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("help and version exit with status 0")
    func helpAndVersion() throws {
        let help = try tool.run(["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("info"))
        #expect(help.standardOutput.contains("roll"))
        let version = try tool.run(["--version"])
        #expect(version.status == 0)
        #expect(!version.standardOutput.isEmpty)
    }
}
