import Foundation
import NN
import TestSupport
import Testing
import Training
import ModelStore

/// `fractalmidi train` run as a subprocess: signals, resuming, one-line errors.
@Suite("fractalmidi train", .serialized)
struct TrainerCommandTests {
    /// The arguments of a tiny-model run on the CI subset into `run`, caching in `cache`.
    static func trainArguments(run: URL, cache: URL, maxSteps: Int) -> [String] {
        ["train", "--config", SharedData.repositoryRoot.appendingPathComponent("config/train_tiny.yaml").path,
         "--run", run.path, "--train-data", SharedData.url("pop909/ci_mini.txt").path, "--max-steps", String(maxSteps),
         "--set", "data.cache_dir=\"\(cache.path)\"", "--set", "logging.log_every_n_steps=1", "--threads", "1"]
    }

    /// Starts `fractalmidi` with `arguments`, output to files in `folder`.
    static func start(_ arguments: [String], in folder: URL) throws -> Process {
        let process = Process()
        process.executableURL = try CommandLineTool().executable
        process.arguments = arguments
        process.currentDirectoryURL = SharedData.repositoryRoot
        process.standardInput = FileHandle.nullDevice
        let output = folder.appendingPathComponent("output-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits until the log of `run` has more than `lines` lines (or the process ends, or 120 s pass).
    static func waitForLog(of run: URL, beyond lines: Int, while process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && process.isRunning {
            let text = (try? String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8)) ?? ""
            if text.split(separator: "\n").count > lines { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    @Test("SIGINT and SIGTERM write a checkpoint and exit with 130 and 143; --resume continues from it",
          .enabled(if: SharedData.shouldRun))
    func signals() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.url.appendingPathComponent("run"), cache = folder.url.appendingPathComponent("cache")

        let first = try Self.start(Self.trainArguments(run: run, cache: cache, maxSteps: 100_000), in: folder.url)
        #expect(Self.waitForLog(of: run, beyond: 0, while: first))
        first.interrupt()
        first.waitUntilExit()
        #expect(first.terminationReason == .exit)
        #expect(first.terminationStatus == 130)
        let stoppedAt = try latestStep(of: run)
        #expect(stoppedAt >= 1)

        let second = try Self.start(["train", "--resume", run.path, "--max-steps", "100000"], in: folder.url)
        #expect(Self.waitForLog(of: run, beyond: stoppedAt, while: second))
        second.terminate()
        second.waitUntilExit()
        #expect(second.terminationReason == .exit)
        #expect(second.terminationStatus == 143)
        #expect(try latestStep(of: run) > stoppedAt)
    }

    @Test("resuming from a folder without a checkpoint, or without any configuration, is a one-line error")
    func errors() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tool = try CommandLineTool()
        let missing = folder.url.appendingPathComponent("missing")
        let resumed = try tool.run(["train", "--resume", missing.path])
        #expect(resumed.status == 1)
        #expect(resumed.standardError == "fractalmidi: \(missing.path): no checkpoint there (a checkpoint folder holds state.json, "
            + "a run folder checkpoints/latest); check the path or train first with `fractalmidi train --run \(missing.path)`\n")
        // A checkpoint of the default model shape against the tiny configuration.
        let checkpointed = folder.url.appendingPathComponent("checkpointed")
        let model = CellStateModel(seed: 1)
        let sampler = try ExampleSampler(dataset: decodedDataset([scaleRoll()]), cropLength: 16, pitchShifts: 0...0, seed: 1)
        let state = CheckpointState(step: 3, randomSeed: 1, sampler: sampler.state, metrics: CheckpointMetrics(), config: trainerConfig())
        let saved = try CheckpointStore(run: checkpointed).save(model: model, optimizer: AdamW(parameters: model.namedParameters()), state: state, keepLast: 1)
        let tiny = SharedData.repositoryRoot.appendingPathComponent("config/train_tiny.yaml").path
        let mismatch = try tool.run(["train", "--config", tiny, "--resume", checkpointed.path])
        #expect(mismatch.status == 1)
        #expect(mismatch.standardError == "fractalmidi: \(tiny) does not match the model of checkpoint \(saved.path): "
            + "model.embed_dim_list is [32, 32, 16, 16] there but [512, 256, 128, 64] in the checkpoint; "
            + "model.num_blocks_list is [1, 1, 1, 1] there but [12, 3, 2, 1] in the checkpoint; "
            + "model.num_heads_list is [2, 2, 1, 1] there but [8, 4, 2, 2] in the checkpoint; "
            + "data.crop_length is 64 there but 16 in the checkpoint; use the checkpoint's model settings (or start a new run)\n")
        let bare = try tool.run(["train", "--run", folder.url.path])
        #expect(bare.status == 1)
        #expect(bare.standardError == "fractalmidi: give a configuration with --config FILE (e.g. config/train_tiny.yaml), or --resume RUN to continue a run\n")
    }

    @Test("--init-from starts a new run from another run's weights, the parameters a new switch adds at zero",
          .enabled(if: SharedData.shouldRun))
    func initFrom() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tool = try CommandLineTool()
        let first = folder.url.appendingPathComponent("first"), cache = folder.url.appendingPathComponent("cache")
        #expect(try tool.run(Self.trainArguments(run: first, cache: cache, maxSteps: 2)).status == 0)
        let second = folder.url.appendingPathComponent("second")
        let tuned = try tool.run(Self.trainArguments(run: second, cache: cache, maxSteps: 1)
            + ["--set", "model.pitch_embedding=true", "--init-from", first.path])
        #expect(tuned.status == 0)
        let source = try Checkpoint.load(from: first, choosing: .best)
        #expect(tuned.standardError.contains("train: weights from \(source.directory.path) (step 2); "
            + "new parameters at their initial values: levels.1.pitch_embedding, levels.2.pitch_embedding\n"))
        let result = try Checkpoint.load(from: second)
        #expect(result.state.step == 1)
        #expect(result.config.model.pitchEmbedding)
        #expect(result.model.names.contains("levels.2.pitch_embedding"))

        let wider = try tool.run(Self.trainArguments(run: folder.url.appendingPathComponent("third"), cache: cache, maxSteps: 1)
            + ["--set", "model.embed_dim_list=[32, 32, 16, 32]", "--init-from", first.path])
        #expect(wider.status == 1)
        // The config's own warm-up warning comes first; the error is the last line.
        let lastLine = wider.standardError.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("fractalmidi: checkpoint \(source.directory.path) cannot start this model: its tensor 'head."))
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("third").path))

        let both = try tool.run(["train", "--resume", first.path, "--init-from", first.path])
        #expect(both.status == 1)
        #expect(both.standardError == "fractalmidi: --resume continues a run and --init-from starts a new one from its weights; give only one of them\n")
        let bare = try tool.run(["train", "--init-from", first.path])
        #expect(bare.status == 1)
        #expect(bare.standardError == "fractalmidi: --init-from needs the new run's configuration: add --config FILE (e.g. config/train_cpu.yaml)\n")
    }

    /// The step of the latest checkpoint of `run`, read from its state.json.
    func latestStep(of run: URL) throws -> Int {
        let checkpoints = run.appendingPathComponent("checkpoints")
        let name = try String(contentsOf: checkpoints.appendingPathComponent("latest"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let data = try Data(contentsOf: checkpoints.appendingPathComponent(name).appendingPathComponent("state.json"))
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["step"] as? Int)
    }
}
