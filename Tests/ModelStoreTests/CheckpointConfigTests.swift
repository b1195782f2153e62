import Foundation
import FractalModel
import ModelStore
import TestSupport
import Testing

@Suite("Checkpoint configuration")
struct CheckpointConfigTests {
    @Test("every config file of the repository survives the trip through a checkpoint's entries", arguments: [
        "train_tiny.yaml", "train_small.yaml", "train_default.yaml", "train_cpu.yaml", "bench_small_mar.yaml",
    ])
    func roundTrip(file: String) throws {
        let url = SharedData.repositoryRoot.appendingPathComponent("config/\(file)")
        let config = try FractalConfig.load(contentsOf: url).config
        let entries = config.checkpointEntries
        #expect(try FractalConfig(checkpointEntries: entries, file: "state.json") == config)
        #expect(try FractalConfig.parse(yaml: config.checkpointYAML, file: "x").config == config)
    }

    @Test("awkward values round-trip exactly: exponents, long fractions, quotes, AR levels")
    func awkwardValues() throws {
        var config = FractalConfig()
        config.training.learningRate = 1e-5
        config.training.minLR = 1.234567890123e-7
        config.model.initStd = 0.1 + 0.2
        config.training.weightDecay = 1e20
        config.model.generatorTypes = [.ar, .mar, .ar]
        config.sampling.numIterList = [16]
        try config.sampling.setPatchOrders([.time])
        config.sampling.holdTemperature = 0.9
        config.data.trainData = "songs/\"quoted\" \\ list.txt"
        config.data.cacheDir = "/tmp/cache: with colon"
        config.seed = 3
        config.model.pitchEmbedding = true
        let rebuilt = try FractalConfig(checkpointEntries: config.checkpointEntries, file: "state.json")
        #expect(rebuilt == config)
        // Through state.json (JSON) and back, bit for bit.
        let sampler = SamplerState(seed: .max, epoch: 3, position: 7, fingerprint: .max - 2)
        let state = CheckpointState(step: 9, randomSeed: .max - 1, sampler: sampler, metrics: CheckpointMetrics(loss: 0.1 + 0.2), config: config)
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        let decoded = try decoder.decode(CheckpointState.self, from: encoder.encode(state))
        #expect(decoded == state)
        #expect(try FractalConfig(checkpointEntries: decoded.config.map { ($0.key, $0.value) }, file: "state.json") == config)
    }

    @Test("a checkpoint written while data.steps_per_beat was a key reads when it says 4, and is refused in one line otherwise")
    func stepsPerBeatOfOlderCheckpoints() throws {
        let entries = FractalConfig().checkpointEntries
        #expect(!entries.contains { $0.path == "data.steps_per_beat" })
        let older = entries + [("data.steps_per_beat", CheckpointConfigValue.int(4))]
        #expect(try FractalConfig(checkpointEntries: older, file: "state.json") == FractalConfig())
        let eight = entries + [("data.steps_per_beat", CheckpointConfigValue.int(8))]
        #expect(throws: ConfigError(file: "state.json", key: "data.steps_per_beat", message:
            "data.steps_per_beat is not a setting: a step is always a 16th note (4 per beat, docs/ROLL-RULES.md); delete the key")) {
            _ = try FractalConfig(checkpointEntries: eight, file: "state.json")
        }
    }

    @Test("a checkpoint written before model.pitch_embedding existed reads as a model without it")
    func switchAddedLater() throws {
        var config = FractalConfig()
        config.model.pitchEmbedding = true
        let older = FractalConfig().checkpointEntries.filter { $0.path != "model.pitch_embedding" }
        let read = try FractalConfig(checkpointEntries: older, file: "state.json")
        #expect(read.model.pitchEmbedding == false)
        #expect(config.modelKeyDifferences(from: read).map { "\($0.path): \($0.mine) vs \($0.theirs)" }
            == ["model.pitch_embedding: true vs false"])
        let json = try JSONEncoder().encode([CheckpointConfigValue.bool(true)])
        #expect(String(decoding: json, as: UTF8.self) == "[true]")
        #expect(try JSONDecoder().decode([CheckpointConfigValue].self, from: json) == [.bool(true)])
        #expect(try JSONDecoder().decode([CheckpointConfigValue].self, from: Data("[1]".utf8)) == [.int(1)])
    }

    @Test("a checkpoint written before sampling.patch_order existed draws every level in random order")
    func patchOrderAddedLater() throws {
        var config = FractalConfig()
        try config.sampling.setPatchOrders([.random, .time, .time])
        let written = try FractalConfig(checkpointEntries: config.checkpointEntries, file: "state.json")
        #expect(written.sampling.patchOrders == [.random, .time, .time])
        let older = config.checkpointEntries.filter { $0.path != "sampling.patch_order" }
        #expect(try FractalConfig(checkpointEntries: older, file: "state.json").sampling.drawsInTrainingOrder)
        #expect(!FractalConfig().checkpointEntries.contains { $0.path == "sampling.patch_order" || $0.path == "sampling.hold_temperature" })
    }

    @Test("model keys and data.crop_length count as model keys; differences list mine, then theirs")
    func differences() {
        var a = FractalConfig(), b = FractalConfig()
        #expect(a.modelKeyDifferences(from: b).isEmpty)
        a.model.velocityBins = 16
        a.training.maxSteps = 3
        a.data.cropLength = 256
        b.logging.keepLast = 9
        let differences = a.modelKeyDifferences(from: b)
        #expect(differences.map(\.path) == ["model.velocity_bins", "data.crop_length"])
        #expect(differences.map { "\($0.mine) vs \($0.theirs)" } == ["16 vs 32", "256 vs 512"])
    }
}
