import ImageDecoders
import Foundation
import FractalModel
import NN
import PianoRoll
import Testing
import TestSupport
import Training
import ModelStore
import Generation

/// A checkpoint of the tiny model (config/train_tiny.yaml: rolls 64 steps wide), saved the way
/// the trainer saves one, built once for all tests. Its weights are the initial ones: the tests
/// check what the commands keep, reproduce and write, not what the music sounds like.
enum TinyCheckpoint {
    /// The run folder holding the checkpoint.
    static let run: URL = {
        do { return try make() } catch { fatalError("cannot build the tiny checkpoint: \(error)") }
    }()

    /// A run folder with one checkpoint; with `styles`, a model of that many named classes
    /// whose default style is the last; with `dynamics`, that table of its music's dynamics
    /// (without, it is a checkpoint of an older fractalmidi).
    static func make(seed: UInt64 = 7, styles: [String]? = nil, dynamics: DynamicsTable? = nil) throws -> URL {
        var config = try FractalConfig.load(contentsOf: SharedData.repositoryRoot.appendingPathComponent("config/train_tiny.yaml")).config
        if let styles { config.model.numClasses = styles.count }
        let model = FractalGenerativeModel(config: config, seed: seed)
        let sampler = try JSONDecoder().decode(SamplerState.self, from: Data(#"{"seed":1,"epoch":0,"position":0,"fingerprint":0}"#.utf8))
        let state = CheckpointState(step: 1, randomSeed: 1, sampler: sampler, metrics: CheckpointMetrics(), config: config,
                                    styles: styles, defaultStyle: styles?.last, dynamics: dynamics)
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("fractalmidi-tiny-run-\(UUID().uuidString)")
        try CheckpointStore(run: run).save(model: model, optimizer: AdamW(parameters: model.namedParameters()), state: state, keepLast: 1)
        return run
    }
}

/// A hand-made piece: `bars` bars of 3/4 (12 steps each) at 90 BPM, with chords, held notes
/// crossing bar lines and a re-struck pitch.
func handMadePiece(bars: Int) throws -> PianoRoll {
    let steps = bars * 12
    var roll = try PianoRoll(steps: steps, tempoMap: [.init(step: 0, beatsPerMinute: 90)],
                             timeSignatures: [.init(step: 0, numerator: 3, denominator: 4)])
    for bar in 0..<bars {
        let start = bar * 12
        for (pitch, length) in [(48 + bar % 5, 12), (60 + bar % 7, 4), (64 + bar % 3, 8), (72, 2)] {
            let end = min(start + length + (pitch == 48 + bar % 5 && bar % 2 == 0 ? 6 : 0), steps)
            roll[pitch: pitch, step: start] = .onset(velocityBin: (bar * 7 + pitch) % 32)
            for step in (start + 1)..<end where roll[pitch: pitch, step: step] == .silent { roll[pitch: pitch, step: step] = .sustain }
        }
        roll[pitch: 72, step: start + 2] = .onset(velocityBin: 20)
    }
    return roll
}

/// The width and height a PNG decoder (libpng) reads.
func decodedPNGSize(_ url: URL) throws -> (width: Int, height: Int) {
    let png = try DecodedPNG(Data(contentsOf: url))
    return (png.width, png.height)
}

/// The size and frame count a GIF decoder (giflib) reads.
func decodedGIF(_ url: URL) throws -> (width: Int, height: Int, frames: Int) {
    let gif = try DecodedGIF(path: url.path)
    return (gif.width, gif.height, gif.frames.count)
}

/// `generate`, `continue` and `inpaint` end to end with a real (tiny) model checkpoint.
@Suite("Generation commands")
struct GenerationCommandTests {
    let tool: CommandLineTool
    let folder: TemporaryFolder

    init() throws {
        tool = try CommandLineTool()
        folder = try TemporaryFolder()
    }

    func run(_ arguments: [String]) throws -> CommandLineTool.Result {
        let result = try tool.run(arguments)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        return result
    }

    /// The hand-made piece of `bars` bars written as `input.mid`, a 16th after its beats when
    /// `sixteenthLate` (every onset on an odd step, as half of POP909 sits), and its roll as the
    /// file has it (not moved onto the 8th-note grid).
    func writeInput(bars: Int, sixteenthLate: Bool = false) throws -> (url: URL, roll: PianoRoll) {
        let url = folder.url.appendingPathComponent("input.mid")
        var roll = try handMadePiece(bars: bars)
        if sixteenthLate {
            var late = try PianoRoll(steps: roll.steps + 1, tempoMap: roll.tempoMap, timeSignatures: roll.timeSignatures)
            for pitch in 0..<128 {
                for step in 0..<roll.steps { late[pitch: pitch, step: step + 1] = roll[pitch: pitch, step: step] }
            }
            roll = late
        }
        try roll.writeMIDI(to: url)
        return (url, try PianoRoll(contentsOf: url, options: PianoRoll.ConversionOptions(alignsEighthNoteGrid: false)))
    }

    /// The roll of an output MIDI file as the file has it.
    func outputRoll(_ name: String) throws -> PianoRoll {
        try PianoRoll(contentsOf: folder.url.appendingPathComponent(name), options: PianoRoll.ConversionOptions(alignsEighthNoteGrid: false))
    }

    /// What `continue` and `inpaint` print when the model draws the input moved onto its grid.
    static let eighthNoteGridLine = "8th-note grid: the input's notes sit a 16th off its beats; the model draws the piece 3 steps later, "
        + "and the output keeps the input's timing\n"

    @Test("generate writes MIDI, PNG and GIF that independent decoders read; the same seed writes the same music")
    func generateWritesReproducibleOutputs() throws {
        defer { folder.remove() }
        let first = folder.url.appendingPathComponent("first"), second = folder.url.appendingPathComponent("second")
        let common = ["generate", "--model", TinyCheckpoint.run.path, "--count", "2", "--iters", "2,2,2", "--seed", "11", "--bpm", "100"]
        let result = try run(common + ["-o", first.path])
        #expect(result.standardOutput.contains("seed 11; wrote"))
        _ = try run(common + ["-o", second.path, "--no-animation"])
        for k in 1...2 {
            let midi = try Data(contentsOf: first.appendingPathComponent("generated-\(k).mid"))
            #expect(midi == (try Data(contentsOf: second.appendingPathComponent("generated-\(k).mid"))), "seed 11 gave another piece \(k)")
            let roll = try PianoRoll(contentsOf: first.appendingPathComponent("generated-\(k).mid"))
            #expect(roll.steps == 64)
            #expect(abs(roll.tempoMap[0].beatsPerMinute - 100) < 0.01)
            let png = try decodedPNGSize(first.appendingPathComponent("generated-\(k).png"))
            #expect(png.width == 64 * 2)
            let gif = try decodedGIF(first.appendingPathComponent("generated-\(k).gif"))
            #expect(gif.width == 64 * 2 && gif.frames >= 2, "\(gif)")
            #expect(!FileManager.default.fileExists(atPath: second.appendingPathComponent("generated-\(k).gif").path))
        }
        let other = folder.url.appendingPathComponent("other")
        _ = try run(["generate", "--model", TinyCheckpoint.run.path, "--iters", "2,2,2", "--seed", "12", "-o", other.path, "--no-animation"])
        #expect(try Data(contentsOf: other.appendingPathComponent("generated-1.mid"))
            != Data(contentsOf: first.appendingPathComponent("generated-1.mid")))
        let timed = folder.url.appendingPathComponent("timed")
        _ = try run(common + ["--patch-order", "time,time,time", "-o", timed.path, "--no-animation"])
        #expect(try Data(contentsOf: timed.appendingPathComponent("generated-1.mid"))
            != Data(contentsOf: first.appendingPathComponent("generated-1.mid")), "--patch-order changed nothing")
    }

    @Test("--no-redraw-seams skips the second pass: only the cells within 4 steps of a 16-step patch border differ")
    func seamPassSwitch() throws {
        defer { folder.remove() }
        let with = folder.url.appendingPathComponent("with"), without = folder.url.appendingPathComponent("without")
        let common = ["generate", "--model", TinyCheckpoint.run.path, "--count", "2", "--iters", "2,2,2", "--seed", "4", "--no-animation"]
        _ = try run(common + ["-o", with.path])
        _ = try run(common + ["-o", without.path, "--no-redraw-seams"])
        var changed = Set<Int>()
        for k in 1...2 {
            let a = try PianoRoll(contentsOf: with.appendingPathComponent("generated-\(k).mid"))
            let b = try PianoRoll(contentsOf: without.appendingPathComponent("generated-\(k).mid"))
            for (index, (x, y)) in zip(a.codes, b.codes).enumerated() where x != y { changed.insert(index % a.steps) }
        }
        #expect(!changed.isEmpty, "the seam pass changed nothing")
        #expect(changed.allSatisfy { step in [16, 32, 48].contains { (-4..<4).contains(step - $0) } }, "\(changed.sorted())")
    }

    @Test("generate --bars longer than the model's width joins its windows into one piece (model given as a checkpoint folder)")
    func generateLongPiece() throws {
        defer { folder.remove() }
        let checkpoint = CheckpointStore(run: TinyCheckpoint.run).directory.appendingPathComponent(CheckpointStore.folderName(step: 1))
        _ = try run(["generate", "--model", checkpoint.path, "--bars", "9", "--iters", "1,1,1", "--seed", "3",
                     "-o", folder.url.path, "--no-animation"])
        let roll = try PianoRoll(contentsOf: folder.url.appendingPathComponent("generated-1.mid"))
        #expect(roll.steps == 9 * 16)
        #expect(roll.timeSignatures.first.map { [$0.numerator, $0.denominator] } == [4, 4])
    }

    @Test("continue keeps the input cell for cell (also one a 16th off its beats) and appends bars of its time signature",
          arguments: [false, true])
    func continueKeepsInput(sixteenthLate: Bool) throws {
        defer { folder.remove() }
        let input = try writeInput(bars: 4, sixteenthLate: sixteenthLate)
        let result = try run(["continue", input.url.path, "--bars", "2", "--model", TinyCheckpoint.run.path, "--iters", "2,2,2",
                              "--seed", "5", "-o", folder.url.path])
        #expect(result.standardOutput.hasPrefix("appending 2 bars of the input's 3/4 (6 beats)\n"))
        #expect(result.standardOutput.contains(Self.eighthNoteGridLine) == sixteenthLate, "\(result.standardOutput)")
        let output = try outputRoll("input-continued-1.mid")
        #expect(output.steps == input.roll.steps + 2 * 12)
        #expect(output.cropped(steps: 0..<input.roll.steps).codes == input.roll.codes)
        #expect(output.tempoMap == input.roll.tempoMap)
        #expect(output.timeSignatures == input.roll.timeSignatures)
        #expect(try decodedGIF(folder.url.appendingPathComponent("input-continued-1.gif")).frames >= 2)
    }

    @Test("continue gives the new notes the loudness of the input's notes and says so")
    func continueKeepsDynamics() throws {
        defer { folder.remove() }
        let input = try writeInput(bars: 3)
        let inputDynamics = try #require(PieceDynamics(of: input.roll))
        let result = try run(["continue", input.url.path, "--steps", "50", "--model", TinyCheckpoint.run.path, "--iters", "2,2,2",
                              "--seed", "5", "-o", folder.url.path, "--no-animation"])
        #expect(result.standardOutput.hasPrefix("appending 50 steps (12.50 beats)\n"))
        #expect(result.standardOutput.contains("dynamics: the input's (mean velocity \(Int(inputDynamics.meanVelocity.rounded())), "
            + "spread \(Int(inputDynamics.velocitySpread.rounded())))"))
        let output = try PianoRoll(contentsOf: folder.url.appendingPathComponent("input-continued-1.mid"))
        let added = try #require(PieceDynamics(of: output, steps: input.roll.steps..<output.steps, minimumNotes: 10))
        #expect(abs(added.meanVelocity - inputDynamics.meanVelocity) < 2.5, "\(added) against the input's \(inputDynamics)")
        #expect(abs(added.velocitySpread - inputDynamics.velocitySpread) < 2.5, "\(added) against the input's \(inputDynamics)")
    }

    @Test("generate draws each piece's loudness from the model's table of its style; an older checkpoint says it has none")
    func generateDrawsDynamics() throws {
        defer { folder.remove() }
        let table = DynamicsTable(styles: [.init(style: "bach", meanVelocities: [90], velocitySpreads: [0]),
                                           .init(style: "pop", meanVelocities: [40, 100], velocitySpreads: [6, 12])])
        let model = try TinyCheckpoint.make(styles: ["bach", "pop"], dynamics: table)
        defer { try? FileManager.default.removeItem(at: model) }
        let common = ["generate", "--model", model.path, "--count", "6", "--iters", "2,2,2", "--seed", "4", "--no-animation"]
        let pop = try run(common + ["-o", folder.url.appendingPathComponent("pop").path])
        #expect(!pop.standardOutput.contains("dynamics"))
        var means: Set<Int> = []
        for k in 1...6 {
            let roll = try PianoRoll(contentsOf: folder.url.appendingPathComponent("pop/generated-\(k).mid"))
            let dynamics = try #require(PieceDynamics(of: roll, minimumNotes: 10))
            let drawn = try #require(table.styles[1].meanVelocities.indices.first { abs(table.styles[1].meanVelocities[$0] - dynamics.meanVelocity) < 2.5 },
                                     "piece \(k): \(dynamics) is none of the table's")
            #expect(abs(dynamics.velocitySpread - table.styles[1].velocitySpreads[drawn]) < 2.5, "piece \(k): \(dynamics)")
            means.insert(drawn)
        }
        #expect(means.count == 2, "six pieces all drew one crop")
        _ = try run(common + ["--style", "bach", "-o", folder.url.appendingPathComponent("bach").path])
        let bach = try PianoRoll(contentsOf: folder.url.appendingPathComponent("bach/generated-1.mid"))
        #expect(PieceDynamics(of: bach).map { [$0.meanVelocity, $0.velocitySpread] } == [90, 0])

        let old = try run(["generate", "--model", TinyCheckpoint.run.path, "--iters", "2,2,2", "--seed", "4", "--no-animation",
                           "-o", folder.url.appendingPathComponent("old").path])
        #expect(old.standardOutput.contains("dynamics: this model's checkpoint has no dynamics table (written by an older fractalmidi); velocities are as drawn"))
    }

    @Test("inpaint regenerates only the regions: every cell outside them is the input's (also in one a 16th off its beats)",
          arguments: [
            (["--region", "2-3"], false),
            (["--region", "2.5-3:C4-C5", "--region", "5:2-5:3"], false),
            (["--region", "2.5-3:C4-C5", "--region", "5:2-5:3"], true),
          ])
    func inpaintKeepsEverythingElse(regions: [String], sixteenthLate: Bool) throws {
        defer { folder.remove() }
        let input = try writeInput(bars: 6, sixteenthLate: sixteenthLate)
        let result = try run(["inpaint", input.url.path, "--model", TinyCheckpoint.run.path, "--iters", "2,2,2", "--seed", "9",
                              "-o", folder.url.path] + regions)
        #expect(result.standardOutput.contains(Self.eighthNoteGridLine) == sixteenthLate, "\(result.standardOutput)")
        let output = try outputRoll("input-inpainted-1.mid")
        #expect(output.steps == input.roll.steps)
        let grid = RegionBarGridForTests(input.roll)
        let resolved = try stride(from: 1, to: regions.count, by: 2).map { try grid.resolve(regions[$0]) }
        var changedInside = 0
        for pitch in 0..<128 {
            for step in 0..<input.roll.steps {
                let inside = resolved.contains { $0.steps.contains(step) && $0.pitches.contains(pitch) }
                if inside {
                    if output[pitch: pitch, step: step] != input.roll[pitch: pitch, step: step] { changedInside += 1 }
                    continue
                }
                var expected = input.roll[pitch: pitch, step: step]
                // A note cut by a region's end whose start was regenerated away plays on as a new
                // note (a sustain after silence reads as an onset in the default bin).
                if expected == .sustain, step > 0, output[pitch: pitch, step: step - 1] == .silent {
                    expected = .onset(velocityBin: output.binning.defaultBin)
                }
                #expect(output[pitch: pitch, step: step] == expected, "pitch \(pitch) step \(step) changed outside the regions")
            }
        }
        #expect(changedInside > 0, "nothing was regenerated")
        let png = try decodedPNGSize(folder.url.appendingPathComponent("input-inpainted-1.png"))
        #expect(png.width == input.roll.steps * 2)
    }

    @Test("bad arguments print one line naming the problem and exit with status 1", arguments: [
        (["inpaint", "INPUT", "--region", "7-9"], "--region '7-9' is outside the piece, which has 6 bars"),
        (["inpaint", "INPUT", "--region", "3-x"], "--region '3-x' is not a region"),
        (["inpaint", "INPUT", "--region", "0-2"], "names bar 0"),
        (["inpaint", "INPUT", "--region", "4-2"], "ends before it starts"),
        (["inpaint", "INPUT", "--region", "2-3:C3-C12"], "outside the MIDI range"),
        (["inpaint", "INPUT"], "no --region given"),
        (["inpaint", "/nonexistent/song.mid", "--region", "1-2"], "song.mid"),
        (["continue", "/nonexistent/song.mid", "--model", "MODEL"], "song.mid"),
        (["continue", "INPUT", "--bars", "0", "--model", "MODEL"], "--bars 0"),
        (["generate", "--bars", "2", "--steps", "32", "--model", "MODEL"], "--bars and --steps both given"),
        (["generate", "--model", "/nonexistent/run"], "/nonexistent/run: no such folder; pass a training run folder or one of its checkpoint folders"),
        (["generate", "--model", "MODEL", "-o", "FILE/out"], "cannot create the output folder"),
        (["generate", "--model", "MODEL", "-o", "FILE"], "is a file, not a folder"),
        (["generate", "--model", "MODEL", "--style", "1"], "--style 1 is not a class of this model, which has 1"),
        (["generate", "--model", "MODEL", "--style", "jazz"], "--style jazz is not a style of this model; use one of its styles by class index (0 ..< 1)"),
        (["generate", "--model", "MODEL", "--iters", "4,4"], "--iters [4, 4] has 2 entries for 3 MAR levels (AR levels take one step per patch); give one per MAR level"),
        (["generate", "--model", "MODEL", "--iters", "4,x,4"], "--iters '4,x,4' is not a list"),
        (["generate", "--model", "MODEL", "--patch-order", "random,time"], "--patch-order [random, time] has 2 entries for 3 MAR levels; give one per MAR level"),
        (["generate", "--model", "MODEL", "--patch-order", "random,later,time"], "--patch-order 'random,later,time' is not a list of random and time; write e.g. random,time,time"),
        (["generate", "--model", "MODEL", "--temperature", "0"], "--temperature 0.0 must be a positive number"),
        (["generate", "--model", "MODEL", "--hold-temperature", "0"], "--hold-temperature 0.0 must be a positive number; use e.g. 1.0"),
        (["generate", "--model", "MODEL", "--top-p", "0"], "--top-p 0.0 is outside (0, 1]"),
        (["generate", "--model", "MODEL", "--top-p", "nan"], "--top-p nan is outside (0, 1]"),
        (["generate", "--model", "MODEL", "--off-scale-weight", "0"], "--off-scale-weight 0.0 is outside (0, 1]; use e.g. 0.1, or 1 to leave the model's notes alone"),
        (["generate", "--model", "MODEL", "--count", "0"], "--count 0 is outside 1…64"),
        (["generate", "--model", "MODEL", "--bpm", "0"], "--bpm 0.0 is outside"),
        (["generate", "--model", "MODEL", "--threads", "0"], "--threads 0 is outside 1…256"),
        (["generate", "--model", "EMPTY"], "no checkpoint there"),
    ])
    func userErrors(arguments: [String], fragment: String) throws {
        defer { folder.remove() }
        let input = try writeInput(bars: 6)
        let file = folder.url.appendingPathComponent("file.txt")
        try Data("not a folder".utf8).write(to: file)
        let empty = folder.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let replacements = ["INPUT": input.url.path, "MODEL": TinyCheckpoint.run.path, "EMPTY": empty.path]
        let resolved = arguments.map { argument in
            argument.hasPrefix("FILE") ? file.path + argument.dropFirst(4) : replacements[argument] ?? argument
        }
        let result = try tool.run(resolved + (resolved.contains("-o") ? [] : ["-o", folder.url.appendingPathComponent("out").path]))
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("fractalmidi: "), "stderr: \(result.standardError)")
        #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test("--style takes the model's style names or class indices; without it the default style is used")
    func namedStyles() throws {
        defer { folder.remove() }
        let run = try TinyCheckpoint.make(styles: ["bach", "pop"])
        defer { try? FileManager.default.removeItem(at: run) }
        func piece(_ style: [String]) throws -> Data {
            let output = folder.url.appendingPathComponent("style-\(style.joined())")
            _ = try self.run(["generate", "--model", run.path, "--steps", "64", "--seed", "3", "--no-animation", "-o", output.path] + style)
            return try Data(contentsOf: output.appendingPathComponent("generated-1.mid"))
        }
        let pop = try piece(["--style", "pop"])
        #expect(try piece(["--style", "1"]) == pop)
        #expect(try piece([]) == pop, "the default style is the checkpoint's default, pop")
        #expect(try piece(["--style", "bach"]) == piece(["--style", "0"]))
        let wrong = try tool.run(["generate", "--model", run.path, "--style", "jazz", "-o", folder.url.path])
        #expect(wrong.status == 1)
        #expect(wrong.standardError == "fractalmidi: --style jazz is not a style of this model; use one of its styles (0 bach, 1 pop)\n")
    }

    @Test("without --model the bundled model (models/default/) writes music")
    func bundledModel() throws {
        defer { folder.remove() }
        _ = try run(["generate", "--bars", "2", "--seed", "1", "--iters", "8,4,4", "--no-animation", "-o", folder.url.path])
        let roll = try PianoRoll(contentsOf: folder.url.appendingPathComponent("generated-1.mid"))
        #expect(roll.steps <= 32)
        #expect(!roll.notes.isEmpty, "the bundled model wrote an empty piece")
    }

    @Test("without --model and away from the bundled model: one line saying so and how to pass --model")
    func missingBundledModel() throws {
        defer { folder.remove() }
        // A copy of the tool in a folder with no models/default beside or above it.
        let copy = folder.url.appendingPathComponent("bin/fractalmidi")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: tool.executable, to: copy)
        let result = try CommandLineTool(executable: copy).run(["generate", "-o", folder.url.appendingPathComponent("out").path],
                                                               in: folder.url)
        #expect(result.status == 1)
        #expect(result.standardError == "fractalmidi: no --model given and the bundled default model (models/default/) is not in the "
            + "current folder or above this fractalmidi; run it from the repository or pass a model with --model DIR\n")
    }

    @Test("a checkpoint whose weights do not fit its config is refused in one line")
    func incompatibleCheckpoint() throws {
        defer { folder.remove() }
        let run = try TinyCheckpoint.make()
        defer { try? FileManager.default.removeItem(at: run) }
        let checkpoint = try Checkpoint.load(from: run)
        var shrunk = checkpoint.config.model
        shrunk.embedDimList = [16, 16, 16, 16]
        let other = FractalGenerativeModel(config: shrunk, width: checkpoint.config.data.cropLength, seed: 1)
        try other.stateDict().write(to: checkpoint.directory.appendingPathComponent(Checkpoint.modelFileName))
        let result = try tool.run(["generate", "--model", run.path, "-o", folder.url.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("the weights do not fit the checkpoint's model config"), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("--wav without FluidSynth on the PATH names the Debian packages to install, and writes no audio")
    func wavWithoutSynthesizer() throws {
        defer { folder.remove() }
        let result = try tool.run(["generate", "--model", TinyCheckpoint.run.path, "--steps", "64", "--wav", "-o", folder.url.path],
                                  environment: ["PATH": folder.url.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("apt-get install -y --no-install-recommends fluidsynth timgm6mb-soundfont"))
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("generated-1.wav").path))
    }

    @Test("--wav renders the piece with FluidSynth (installed by scripts/install-deps.sh)")
    func wavWithSynthesizer() throws {
        defer { folder.remove() }
        _ = try run(["generate", "--model", TinyCheckpoint.run.path, "--steps", "64", "--bpm", "120", "--seed", "5",
                     "--no-animation", "--wav", "-o", folder.url.path])
        let wav = try Data(contentsOf: folder.url.appendingPathComponent("generated-1.wav"))
        func field(_ offset: Int, _ length: Int) -> UInt32 {
            wav[offset..<(offset + length)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        #expect(String(decoding: wav[0..<4], as: UTF8.self) == "RIFF")
        #expect(String(decoding: wav[8..<12], as: UTF8.self) == "WAVE")
        #expect(field(24, 4) == 44_100, "sample rate")
        // 64 steps = 16 beats at 120 BPM = 8 s, plus the tail FluidSynth renders until every voice has died away.
        let seconds = Double(wav.count - 44) / Double(field(28, 4))
        #expect(seconds >= 7.9 && seconds < 20, "\(seconds) s of audio")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(!names.contains { $0.hasPrefix(".") }, "temporary files left: \(names)")
    }
}

/// Region resolution as the command does it, through the public parser.
struct RegionBarGridForTests {
    let grid: Generation.RegionBarGrid
    init(_ roll: PianoRoll) { grid = Generation.RegionBarGrid(roll) }
    func resolve(_ text: String) throws -> Generation.ResolvedRegion {
        try Generation.RegionSpecification(parsing: text).resolved(in: grid)
    }
}
