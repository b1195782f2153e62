import Foundation
import FuzzTargets
import Testing
import TestSupport

/// Every input a fuzzer once crashed on (`Tests/FuzzRegressions/TARGET/`), and the seed
/// inputs the fuzzers start from, run through the same entry points the fuzzers drive: each
/// must be accepted or refused, never crash, hang or exhaust memory.
@Suite struct RegressionInputTests {
    static let regressions = SharedData.repositoryRoot.appendingPathComponent("Tests/FuzzRegressions")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        let folder = regressions.appendingPathComponent(target.rawValue, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test("each target has its regression folder", arguments: FuzzTarget.allCases)
    func regressionFoldersExist(_ target: FuzzTarget) {
        var isFolder: ObjCBool = false
        let path = Self.regressions.appendingPathComponent(target.rawValue).path
        #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue, "\(path) is missing")
    }

    /// The region and pitch texts the regions fuzzer starts from (`scripts/fuzz.sh` writes the same).
    static let regionSeeds = ["3-5", "9.5", "3:2", "5-6:C3-C5", "1-2:48-72", "2.25-3:2.5", "1-8:A0-C8", "C3-C5", "48-72", "7"]

    @Test("region and pitch texts run through the regions target")
    func regionSeeds() {
        for text in Self.regionSeeds + ["", "-", ":", "1-", "0-0", "99999999999999999999-1", "1.5e308-2", "nan-inf", "3:0", "1-2:C-1-G9"] {
            FuzzTarget.regions.run(Data(text.utf8))
        }
    }

    @Test("regression inputs run without crashing", arguments: FuzzTarget.allCases)
    func regressionInputs(_ target: FuzzTarget) throws {
        for url in Self.inputs(target) {
            target.run(try Data(contentsOf: url))
        }
    }

    @Test("the configurations in config/ run through the config target")
    func configSeeds() throws {
        let folder = SharedData.repositoryRoot.appendingPathComponent("config")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(names.count >= 4)
        for name in names {
            FuzzTarget.config.run(try Data(contentsOf: folder.appendingPathComponent(name)))
        }
    }

    @Test("the safetensors fixtures run through the safetensors target")
    func safetensorsSeeds() throws {
        let folder = SharedData.repositoryRoot.appendingPathComponent("Tests/NNTests/Fixtures")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".safetensors") }
        #expect(!names.isEmpty)
        for name in names {
            FuzzTarget.safetensors.run(try Data(contentsOf: folder.appendingPathComponent(name)))
        }
    }

    @Test("the bundled model's checkpoint runs through the checkpoint target")
    func bundledCheckpoint() throws {
        let folder = SharedData.repositoryRoot.appendingPathComponent("models/default")
        let state = try Data(contentsOf: folder.appendingPathComponent("state.json"))
        let weights = try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))
        let joined = CheckpointInput.join(state: state, weights: weights)
        let (splitState, splitWeights) = CheckpointInput.split(joined)
        #expect(splitState == state)
        #expect(splitWeights == weights)
        FuzzTarget.checkpoint.run(joined)
        FuzzTarget.checkpoint.run(CheckpointInput.join(state: state, weights: weights.prefix(1000)))
    }

    @Test("MIDI files of the shared corpus run through the midi target",
          .enabled(if: SharedData.shouldRun, "needs ../shared/data"))
    func midiSeeds() throws {
        let files = SharedData.files(in: "midi-tests/malformed") + SharedData.files(in: "midi-tests/music21-testPrimitive")
        #expect(!files.isEmpty)
        for url in files {
            FuzzTarget.midi.run(try Data(contentsOf: url))
        }
    }
}
