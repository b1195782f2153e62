import Engine
import Foundation
import FractalModel
import Generation
import PianoRoll
import TestSupport
import Testing
import Training
import ModelStore

/// The fractal model trained on the CI subset of POP909 with `config/train_tiny.yaml`.
@Suite("Trainer with the fractal model", .serialized)
struct TrainerEndToEndTests {
    /// The tiny configuration reading the CI subset for training and validation, caching in `cache`.
    static func tinyConfig(cache: URL, _ more: [String] = []) throws -> FractalConfig {
        let list = SharedData.url("pop909/ci_mini.txt").path
        let overrides = [
            "data.train_data=\"\(list)\"", "data.val_data=\"\(list)\"", "data.cache_dir=\"\(cache.path)\"",
        ] + more
        return try FractalConfig.load(contentsOf: SharedData.repositoryRoot.appendingPathComponent("config/train_tiny.yaml"),
                                      overrides: overrides).config
    }

    @Test("a short run of the tiny model lowers the training loss and the validation bits per cell",
          .enabled(if: SharedData.shouldRun))
    func lossFalls() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try Self.tinyConfig(cache: folder.url.appendingPathComponent("cache"), [
            "training.max_steps=30", "training.warmup_steps=5", "training.learning_rate=3.0e-3",
            "logging.log_every_n_steps=10", "logging.val_check_interval_steps=30", "logging.checkpoint_every_n_steps=30",
            "logging.log_images_every_n_steps=30", "logging.num_images_to_log=1",
        ])
        let data = try TrainerData.load(config: config, progress: false)
        #expect(data.train.songs.count == 36)
        let model = FractalGenerativeModel(config: config, seed: 1)
        let run = folder.url.appendingPathComponent("run")
        let trainer = try Trainer(model: model, config: config, data: data, run: run, isTerminal: false, write: { _ in })
        let before = try #require(trainer.validate())
        #expect(try trainer.train() == .finished(step: 30))
        let after = try #require(trainer.metrics.validationBitsPerCell)
        #expect(after < before)
        let records = try RunLog.records(at: run.appendingPathComponent(RunLog.fileName))
        let losses = records.compactMap(\.loss)
        #expect(losses.count == 3)
        #expect(losses.last! < losses.first!)
        // One preview, as MIDI and PNG.
        let previews = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("previews").path).sorted()
        #expect(previews == ["step-30-0.mid", "step-30-0.png"])
        _ = try PianoRoll(contentsOf: run.appendingPathComponent("previews/step-30-0.mid"))
        let png = try Data(contentsOf: run.appendingPathComponent("previews/step-30-0.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // The preview is what the generation pipeline draws with the model of that step (the
        // run's best checkpoint): a piece of the model's width seeded with the run's seed ^ step.
        let trained = try TrainedModel.load(from: run)
        var request = try GenerationRequest.newPieces(steps: trained.model.width, velocityBins: config.model.velocityBins)
        request.seed = UInt64(bitPattern: Int64(config.seed)) ^ 30
        let drawn = try GenerationPipeline(model: trained).run(request)
        #expect(try Data(contentsOf: run.appendingPathComponent("previews/step-30-0.mid")) == drawn.midiFiles[0])
        // The checkpoint restores the trained model exactly: same validation result.
        let checkpoint = try Checkpoint.load(from: run)
        #expect(checkpoint.config == config)
        let restored = FractalGenerativeModel(config: checkpoint.config, seed: 99)
        try checkpoint.loadParameters(into: restored)
        let check = try Trainer(model: restored, config: config, data: data, run: folder.url.appendingPathComponent("check"),
                                isTerminal: false, write: { _ in })
        #expect(check.validate() == after)
    }
}
