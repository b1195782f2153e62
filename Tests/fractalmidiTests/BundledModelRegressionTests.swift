import Foundation
import Testing
import TestSupport

/// The bundled model's music, pinned byte for byte: `generate`, `continue` and `inpaint` with
/// fixed seeds write exactly these MIDI files. The pipeline behind them (the 8th-grid shift and
/// back, windows of long pieces with their own seeds, each piece's dynamics, the key guide, the
/// seam pass) may be reorganised, but any change to what it writes fails here.
///
/// The cases use few MAR iterations (`--iters 8,4,4`) so that they run in seconds; they still
/// pass through every stage. (With the model's own 64,16,16 iterations, `generate --bars 8
/// --seed 1` takes half a minute; it wrote the same bytes before and after the generation
/// pipeline moved into its own module, SHA-256 2755a506…, checked by hand.) The outputs do not depend on the thread count (checked by hand for
/// 1 and 2 threads); the cases pin one anyway.
@Suite("The bundled model writes the same bytes")
struct BundledModelRegressionTests {
    /// One command and the SHA-256 of each MIDI file it writes.
    struct Case: Sendable, CustomTestStringConvertible {
        /// The arguments after `fractalmidi`; `SONG` stands for the POP909 song's path.
        var arguments: [String]
        /// File name → SHA-256.
        var hashes: [String: String]
        var testDescription: String { arguments.prefix(3).joined(separator: " ") }
    }

    /// POP909 song 013: its notes sit a 16th off its beats, so `continue` and `inpaint` draw it
    /// moved one step later and move it back.
    static let song = "pop909/013.mid"

    static let fast = ["--iters", "8,4,4", "--no-animation", "--threads", "2"]

    /// Cases that need only the bundled model.
    static let generatedCases: [Case] = [
        Case(arguments: ["generate", "--bars", "8", "--seed", "1"] + fast,
             hashes: ["generated-1.mid": "797d094546eab9a6527275d0a57668cae6c11bd5395f36855f08ee653500ada3"]),
        Case(arguments: ["generate", "--bars", "12", "--count", "2", "--seed", "1"] + fast,
             hashes: ["generated-1.mid": "67a6ebace8af661847193151527fcbe6f7f91f0d5ef13fe4c51ed7e24b875275",
                      "generated-2.mid": "bbfff52f4d6a0445aa62ea966d2a02904381362d12e2d96dc1cbe540258326fd"]),
    ]

    /// Cases that start from a POP909 song.
    static let songCases: [Case] = [
        Case(arguments: ["continue", "SONG", "--bars", "2", "--seed", "1"] + fast,
             hashes: ["013-continued-1.mid": "98cdc7065eb05eeffa0e4a3f73edb88115ff35aa656ad77346a5bd32565c81b0"]),
        Case(arguments: ["inpaint", "SONG", "--region", "3-4", "--seed", "1"] + fast,
             hashes: ["013-inpainted-1.mid": "a34f8d162a76349eda22605eb61cf307a224bfec9dda7b23bd438667524fc6dc"]),
    ]

    /// Runs `testCase` into a fresh folder and compares the hashes of what it wrote.
    func check(_ testCase: Case) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let arguments = testCase.arguments.map { $0 == "SONG" ? SharedData.url(Self.song).path : $0 } + ["-o", folder.url.path]
        let result = try CommandLineTool().run(arguments)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasSuffix(".mid") }
        #expect(Set(written) == Set(testCase.hashes.keys))
        for (name, hash) in testCase.hashes {
            #expect(try SHA256.hex(ofFile: folder.url.appendingPathComponent(name)) == hash, "\(name)")
        }
    }

    @Test("generate writes the pinned MIDI (one window, and a longer piece of two windows and two pieces)", arguments: generatedCases)
    func generate(_ testCase: Case) throws {
        try check(testCase)
    }

    @Test("continue and inpaint of a song a 16th off its beats write the pinned MIDI",
          .enabled(if: SharedData.shouldRun), arguments: songCases)
    func fromSong(_ testCase: Case) throws {
        try check(testCase)
    }

    @Test("SHA-256 matches the FIPS 180-4 examples (one and two blocks, empty input)")
    func sha256() {
        #expect(SHA256.hex(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
