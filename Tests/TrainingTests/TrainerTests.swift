import Engine
import Foundation
import FractalModel
import NN
import PianoRoll
import TestSupport
import Testing
import Training
import ModelStore

/// A small real model for the trainer's tests: it predicts each cell's state (silent,
/// sustain, onset) from its pitch and the state of the cell before it, through an embedding
/// sum and a two-layer MLP. Training scores a random sample of cells drawn from the given
/// generator; validation a sample fixed by the seed.
final class CellStateModel: TrainableModel {
    let pitchEmbedding: Embedding
    let previousEmbedding: Embedding
    let hidden: Linear
    let output: Linear
    var isTraining = true
    let cellsPerRoll = 96
    /// Seconds each validation batch waits before scoring: a slow validation, for the log's rates.
    var validationDelay = 0.0

    init(seed: UInt64, width: Int = 16) {
        var generator = Engine.RandomGenerator(seed: seed)
        pitchEmbedding = Embedding(count: 128, width: width, generator: &generator)
        previousEmbedding = Embedding(count: 3, width: width, generator: &generator)
        hidden = Linear(inputFeatures: width, outputFeatures: 2 * width, generator: &generator)
        output = Linear(inputFeatures: 2 * width, outputFeatures: 3, generator: &generator)
    }

    var children: [(name: String, layer: any Layer)] {
        [("pitch_emb", pitchEmbedding), ("previous_emb", previousEmbedding), ("hidden", hidden), ("output", output)]
    }

    func trainingStep(batch: Batch, gradientScale: Float, random: inout Engine.RandomGenerator) -> BatchLoss {
        Engine.withGradients {
            let loss = self.loss(batch: batch, random: &random)
            loss.scaled(by: gradientScale).backward()
            return BatchLoss(loss: Double(loss.item), bitsPerCell: Double(loss.item) / log(2), cells: batch.size * cellsPerRoll)
        }
    }

    func validationLoss(batch: Batch, seed: UInt64) -> BatchLoss {
        if validationDelay > 0 { Thread.sleep(forTimeInterval: validationDelay) }
        var random = Engine.RandomGenerator(seed: seed)
        let loss = Engine.withoutGradients { () -> Tensor in self.loss(batch: batch, random: &random) }
        return BatchLoss(loss: Double(loss.item), bitsPerCell: Double(loss.item) / log(2), cells: batch.size * cellsPerRoll)
    }

    private static func state(_ code: UInt8) -> Int32 { Int32(min(code, 2)) }

    /// The mean cross-entropy of `cellsPerRoll` random cells per roll.
    private func loss(batch: Batch, random: inout Engine.RandomGenerator) -> Tensor {
        var pitches: [Int32] = [], previous: [Int32] = [], targets: [Int32] = []
        for example in 0..<batch.size {
            for _ in 0..<cellsPerRoll {
                let pitch = Int(random.next() % 128), step = Int(random.next() % UInt64(batch.steps))
                let row = (example * 128 + pitch) * batch.steps
                pitches.append(Int32(pitch))
                previous.append(step == 0 ? 0 : Self.state(batch.codes[row + step - 1]))
                targets.append(Self.state(batch.codes[row + step]))
            }
        }
        let count = targets.count
        let features = pitchEmbedding(pitches, shape: [count]) + previousEmbedding(previous, shape: [count])
        let logits = output(hidden(features).gelu())
        return Tensor.crossEntropy(logits: logits, targets: targets)
    }
}

/// Songs for the trainer's tests: scales and chords of various lengths and registers.
func trainerSongs(count: Int, offset: Int = 0) throws -> DecodedDataset {
    let rolls = try (0..<count).map { index in
        try scaleRoll(lowest: 40 + (index * 7 + offset) % 40, beats: 12 + (index + offset) % 9, bin: 5 + index % 20)
    }
    return decodedDataset(rolls)
}

/// The configuration of the trainer's tests: 20 steps, 2 micro-batches of 3 rolls per step,
/// checked like a configuration file.
func trainerConfig(maxSteps: Int = 20, _ more: [String] = []) -> FractalConfig {
    let overrides = [
        "seed=7", "training.max_steps=\(maxSteps)", "training.learning_rate=1.0e-2", "training.min_lr=1.0e-4",
        "training.warmup_steps=4", "training.accumulate_grad_batches=2", "training.train_batch_size=3",
        "training.val_batch_size=4", "data.crop_length=16", "data.pitch_shift_min=-3", "data.pitch_shift_max=3",
        "logging.log_every_n_steps=5", "logging.val_check_interval_steps=10", "logging.checkpoint_every_n_steps=5",
        "logging.keep_last=2",
    ]
    return try! FractalConfig.parse(yaml: "", file: "test.yaml", overrides: overrides + more).config
}

/// The parameters of `model` by name, as raw float bits.
func parameterBits(_ model: any Layer) -> [String: [UInt32]] {
    Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
}

/// Collects progress output.
final class OutputLines: @unchecked Sendable {
    // Safe: `text` is only touched while `lock` is held.
    private let lock = NSLock()
    private var text = ""

    var contents: String {
        lock.lock()
        defer { lock.unlock() }
        return text
    }

    @Sendable func write(_ line: String) {
        lock.lock()
        text += line
        lock.unlock()
    }
}

@Suite("Trainer")
struct TrainerTests {
    let data: TrainerData

    init() throws {
        data = TrainerData(train: try trainerSongs(count: 7), validation: try trainerSongs(count: 3, offset: 5))
    }

    func makeTrainer(_ run: URL, config: FractalConfig = trainerConfig(), model: CellStateModel = CellStateModel(seed: 1),
                     resume: Checkpoint? = nil, output: OutputLines = OutputLines()) throws -> Trainer {
        try Trainer(model: model, config: config, data: data, run: run, resumingFrom: resume,
                    configurationName: "test.yaml", isTerminal: false, write: output.write)
    }

    @Test("a run stopped at step 10 and resumed ends with the same bits as an unbroken 20-step run")
    func exactResume() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let straightRun = folder.url.appendingPathComponent("straight")
        let straightModel = CellStateModel(seed: 1)
        let straight = try makeTrainer(straightRun, model: straightModel)
        #expect(try straight.train() == .finished(step: 20))

        let brokenRun = folder.url.appendingPathComponent("broken")
        let first = try makeTrainer(brokenRun)
        #expect(try first.train(until: 10) == .finished(step: 10))
        let checkpoint = try Checkpoint.load(from: brokenRun)
        #expect(checkpoint.state.step == 10)
        // A model initialised differently: everything must come from the checkpoint.
        let resumedModel = CellStateModel(seed: 99)
        let resumed = try makeTrainer(brokenRun, model: resumedModel, resume: checkpoint)
        #expect(resumed.step == 10)
        #expect(try resumed.train() == .finished(step: 20))

        #expect(parameterBits(resumedModel) == parameterBits(straightModel))
        #expect(parameterBits(resumedModel) != parameterBits(CellStateModel(seed: 1)))
        // The logged numbers of the second half agree exactly too, validation included.
        let straightLog = try RunLog.records(at: straightRun.appendingPathComponent(RunLog.fileName))
        let brokenLog = try RunLog.records(at: brokenRun.appendingPathComponent(RunLog.fileName))
        let numbers = { (records: [RunLogRecord]) in records.map { [Double($0.step), $0.loss ?? -1, $0.bitsPerCell ?? -1, $0.lr ?? -1, $0.valBitsPerCell ?? -1] } }
        #expect(numbers(brokenLog) == numbers(straightLog))
        // The final checkpoints hold the same optimizer state and data position.
        let end = try Checkpoint.load(from: straightRun), resumedEnd = try Checkpoint.load(from: brokenRun)
        #expect(end.state.sampler == resumedEnd.state.sampler)
        #expect(end.state.metrics == resumedEnd.state.metrics)
        #expect(try end.optimizerState().serialized() == resumedEnd.optimizerState().serialized())
    }

    @Test("a passed deadline stops the run between steps with a checkpoint, and the run resumes from it")
    func deadlineStopsTheRun() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.url.appendingPathComponent("timed")
        let output = OutputLines()
        let first = try makeTrainer(run, output: output)
        #expect(try first.train(until: 5) == .finished(step: 5))
        let checkpoint = try Checkpoint.load(from: run)
        let second = try makeTrainer(run, resume: checkpoint, output: output)
        #expect(try second.train(deadline: .now()) == .timeUp(step: 5))
        #expect(output.contents.contains("time budget spent after step 5"))
        #expect(try Checkpoint.load(from: run).state.step == 5)
        let third = try makeTrainer(run, resume: try Checkpoint.load(from: run))
        #expect(try third.train(deadline: .now() + 3600) == .finished(step: 20))
    }

    @Test("the log's steps and examples per second count stepping time only, not validation or checkpoints")
    func ratesLeaveValidationOut() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.url.appendingPathComponent("slow-validation")
        let model = CellStateModel(seed: 1)
        model.validationDelay = 0.05
        let config = trainerConfig(maxSteps: 10, ["logging.log_every_n_steps=1", "logging.val_check_interval_steps=1"])
        let start = DispatchTime.now().uptimeNanoseconds
        try makeTrainer(run, config: config, model: model).train()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let records = try RunLog.records(at: run.appendingPathComponent(RunLog.fileName))
        let stepping = records.compactMap { $0.stepsPerS.map { 1 / $0 } }.reduce(0, +)
        #expect(records.filter { $0.valBitsPerCell != nil }.count == 10)
        // Ten validations of at least one batch each slept 0.5 s or more; the windows hold none of it.
        #expect(total >= 0.5)
        #expect(stepping < total - 0.45, "stepping \(stepping) s of \(total) s")
    }

    @Test("log.jsonl holds one object per logged step and per validation, and the loss falls")
    func logContents() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let output = OutputLines()
        let config = trainerConfig(maxSteps: 40, ["training.accumulate_grad_batches=1"])
        try makeTrainer(folder.url, config: config, output: output).train()
        let text = try String(contentsOf: folder.url.appendingPathComponent("log.jsonl"), encoding: .utf8)
        let objects = try text.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let training = objects.filter { $0["loss"] != nil }
        let validation = objects.filter { $0["val_bits_per_cell"] != nil }
        #expect(training.map { $0["step"] as? Int } == [5, 10, 15, 20, 25, 30, 35, 40])
        #expect(validation.map { $0["step"] as? Int } == [10, 20, 30, 40])
        for object in training {
            #expect(Set(object.keys).isSuperset(of: ["step", "loss", "bits_per_cell", "lr", "examples_per_s"]))
            #expect((object["examples_per_s"] as? Double ?? 0) > 0)
        }
        #expect(validation.allSatisfy { Set($0.keys) == ["step", "val_bits_per_cell"] })
        let losses = training.compactMap { $0["loss"] as? Double }
        let bits = validation.compactMap { $0["val_bits_per_cell"] as? Double }
        #expect(losses.last! < losses.first!)
        #expect(bits.last! < bits.first!)
        // Learning rate: warm-up to the peak, then cosine down to min_lr at the last step.
        let records = try RunLog.records(at: folder.url.appendingPathComponent("log.jsonl")).filter { $0.loss != nil }
        #expect(records.last?.lr == LearningRateSchedule(peak: 1e-2, minimum: 1e-4, warmupSteps: 4, totalSteps: 40).rate(atStep: 39))
        #expect(records.first?.lr == LearningRateSchedule(peak: 1e-2, minimum: 1e-4, warmupSteps: 4, totalSteps: 40).rate(atStep: 4))
        // Plain progress lines (not a terminal): one per logged step, with every number.
        let lines = output.contents.split(separator: "\n").filter { $0.hasPrefix("step ") && $0.contains("loss") }
        #expect(lines.count == 8)
        #expect(lines.first?.contains("step 5/40 (12%)  loss ") == true)
        #expect(lines.first.map { $0.contains("bits/cell") && $0.contains("lr ") && $0.contains("steps/s") && $0.contains("examples/s") && $0.contains("ETA") } == true)
        #expect(output.contents.contains("step 10: validation "))
    }

    @Test("the same validation data and weights always give the same validation result")
    func validationIsFixed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let trainer = try makeTrainer(folder.url)
        let first = try #require(trainer.validate())
        #expect(trainer.validate() == first)
        let other = try makeTrainer(folder.url.appendingPathComponent("other"), config: trainerConfig(maxSteps: 20, ["seed=1234"]))
        #expect(other.validate() == first)
        #expect(first > 0.1 && first < 3)
    }

    @Test("checkpoints: numbered, the last keep_last kept, best by validation, latest pointer, no temporary files")
    func checkpointLayout() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let trainer = try makeTrainer(folder.url)
        try trainer.train()
        let store = CheckpointStore(run: folder.url)
        #expect(store.savedSteps() == [15, 20])
        let names = try FileManager.default.contentsOfDirectory(atPath: store.directory.path).sorted()
        #expect(names == ["best", "latest", "step-000015", "step-000020"])
        #expect(try String(contentsOf: store.directory.appendingPathComponent("latest"), encoding: .utf8) == "step-000020\n")
        for name in ["step-000020", "best"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: store.directory.appendingPathComponent(name).path).sorted()
            #expect(files == ["model.safetensors", "optimizer.safetensors", "state.json"])
        }
        let latest = try Checkpoint.load(from: folder.url)
        #expect(latest.directory.lastPathComponent == "step-000020")
        #expect(latest.config == trainerConfig())
        #expect(latest.state == trainer.checkpointState)
        let best = try Checkpoint.load(from: folder.url, choosing: .best)
        let validations = try RunLog.records(at: folder.url.appendingPathComponent("log.jsonl")).filter { $0.valBitsPerCell != nil }
        let bestRecord = try #require(validations.min { $0.valBitsPerCell! < $1.valBitsPerCell! })
        #expect(best.state.step == bestRecord.step)
        #expect(best.state.metrics.bestValidationBitsPerCell == bestRecord.valBitsPerCell)
        #expect(latest.state.metrics.bestStep == bestRecord.step)
        // A checkpoint folder opens directly too, and its weights load into a fresh model.
        let direct = try Checkpoint.load(from: store.directory.appendingPathComponent("step-000015"))
        #expect(direct.state.step == 15)
        let model = CellStateModel(seed: 5)
        try latest.loadParameters(into: model)
        #expect(parameterBits(model) == parameterBits(trainer.model))
    }

    @Test("saving keeps the newest keep_last checkpoints, replaces a folder of the same step whole")
    func storeKeepsLast() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = CheckpointStore(run: folder.url)
        let model = CellStateModel(seed: 3)
        let optimizer = AdamW(parameters: model.namedParameters())
        let sampler = try ExampleSampler(dataset: data.train, cropLength: 16, pitchShifts: 0...0, seed: 1)
        func state(_ step: Int) -> CheckpointState {
            CheckpointState(step: step, randomSeed: 1, sampler: sampler.state, metrics: CheckpointMetrics(), config: trainerConfig())
        }
        for step in [1, 2, 3, 10, 200] {
            try store.save(model: model, optimizer: optimizer, state: state(step), keepLast: 3)
        }
        #expect(store.savedSteps() == [3, 10, 200])
        #expect(store.latestDirectory()?.lastPathComponent == "step-000200")
        // Saving step 200 again with other weights replaces the folder; nothing is left over.
        model.output.bias!.withUnsafeMutableBufferPointer { $0[0] = 42 }
        try store.save(model: model, optimizer: optimizer, state: state(200), keepLast: 3)
        let reloaded = try Checkpoint.load(from: folder.url)
        #expect(try reloaded.model.floats("output.bias")[0] == 42)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path).sorted()
            == ["latest", "step-000003", "step-000010", "step-000200"])
        // A run folder whose checkpoints path cannot be a folder: a one-line error, no files.
        let blocked = folder.url.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        try Data("not a folder".utf8).write(to: blocked.appendingPathComponent("checkpoints"))
        let error = try #require(throws: CheckpointError.self) {
            try CheckpointStore(run: blocked).save(model: model, optimizer: optimizer, state: state(1), keepLast: 1)
        }
        #expect(error.description.contains("cannot write the checkpoint"))
        #expect(!error.description.contains("\n"))
    }

    @Test("resuming with other model keys names each differing key and both values")
    func modelMismatch() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try makeTrainer(folder.url).train(until: 5)
        let checkpoint = try Checkpoint.load(from: folder.url)
        // learning_rate is not a model key: it may change.
        let changed = trainerConfig(maxSteps: 20, ["model.embed_dim_list=[512, 256, 128, 32]", "data.crop_length=32", "training.learning_rate=5.0e-3"])
        let error = try #require(throws: TrainerError.self) {
            try makeTrainer(folder.url, config: changed, resume: checkpoint)
        }
        let path = checkpoint.directory.path
        #expect(error.description == "test.yaml does not match the model of checkpoint \(path): "
            + "model.embed_dim_list is [512, 256, 128, 32] there but [512, 256, 128, 64] in the checkpoint; "
            + "data.crop_length is 32 there but 16 in the checkpoint; use the checkpoint's model settings (or start a new run)")
        let trainingOnly = trainerConfig(maxSteps: 20, ["training.learning_rate=5.0e-3"])
        let resumed = try makeTrainer(folder.url, config: trainingOnly, resume: checkpoint)
        #expect(resumed.step == 5)
    }

    @Test("a missing checkpoint is an error, never an untrained model")
    func missingCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let nowhere = folder.url.appendingPathComponent("nowhere")
        let error = try #require(throws: CheckpointError.self) { try Checkpoint.load(from: nowhere) }
        #expect(error.description == "\(nowhere.path): no checkpoint there (a checkpoint folder holds state.json, a run folder checkpoints/latest); "
            + "check the path or train first with `fractalmidi train --run \(nowhere.path)`")
        // An empty run folder, and a run whose latest names a removed checkpoint.
        #expect(throws: CheckpointError.missing(path: folder.url.path)) { try Checkpoint.load(from: folder.url) }
        let store = CheckpointStore(run: folder.url)
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        try Data("step-000100\n".utf8).write(to: store.directory.appendingPathComponent("latest"))
        #expect(throws: CheckpointError.missing(path: folder.url.path)) { try Checkpoint.load(from: folder.url, choosing: .best) }
        // A corrupted state file names the file.
        let broken = folder.url.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{\"step\": 1}".utf8).write(to: broken.appendingPathComponent("state.json"))
        let unreadable = try #require(throws: CheckpointError.self) { try Checkpoint.load(from: broken) }
        #expect(unreadable.description.hasPrefix("\(broken.appendingPathComponent("state.json").path): cannot read the checkpoint ("))
    }

    @Test("a new run refuses a folder that already holds checkpoints")
    func runExists() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try makeTrainer(folder.url).train(until: 5)
        let error = try #require(throws: TrainerError.self) { try makeTrainer(folder.url) }
        #expect(error.description == "\(folder.url.path) already holds a training run; continue it with --resume \(folder.url.path) or choose another --run folder")
    }

    /// Seven songs, five labelled `pop` and two `bach`.
    static func labelledSongs() throws -> DecodedDataset {
        var songs = try trainerSongs(count: 7)
        for index in songs.songs.indices { songs.songs[index].classIndex = index < 2 ? 0 : 1 }
        songs.styles = ["bach", "pop"]
        return songs
    }

    @Test("checkpoints name the style classes, the style of most training songs and the music's dynamics")
    func stylesInCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let labelled = TrainerData(train: try Self.labelledSongs(), validation: nil)
        try Trainer(model: CellStateModel(seed: 1), config: trainerConfig(maxSteps: 5, ["model.num_classes=2"]), data: labelled,
                    run: folder.url, configurationName: "test.yaml", isTerminal: false, write: { _ in }).train()
        let state = try Checkpoint.load(from: folder.url).state
        #expect(state.styles == ["bach", "pop"])
        #expect(state.defaultStyle == "pop")
        let table = try DynamicsTable(dataset: try Self.labelledSongs(), cropLength: trainerConfig().data.cropLength)
        #expect(state.dynamics == table)
        try makeTrainer(folder.url.appendingPathComponent("unlabelled"), config: trainerConfig(maxSteps: 5)).train()
        let unlabelled = try Checkpoint.load(from: folder.url.appendingPathComponent("unlabelled")).state
        #expect(unlabelled.styles == nil && unlabelled.defaultStyle == nil)
    }

    @Test("more styles than model.num_classes is refused before training, naming the fix")
    func tooManyStyles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let labelled = TrainerData(train: try Self.labelledSongs(), validation: nil)
        let error = try #require(throws: TrainerError.self) {
            try Trainer(model: CellStateModel(seed: 1), config: trainerConfig(), data: labelled, run: folder.url,
                        configurationName: "test.yaml", isTerminal: false, write: { _ in })
        }
        #expect(error.description == "the training music has 2 styles (bach, pop) but model.num_classes is 1; "
            + "set model.num_classes: 2 in test.yaml")
    }
}
