import Foundation
import Engine
import FractalModel
import Generation
import ModelStore
import NN

/// How a call to ``Trainer/train(until:stoppingOn:)`` ended.
public enum TrainingOutcome: Sendable, Equatable {
    /// The run reached its last step (`training.max_steps`, or the `until` step).
    case finished(step: Int)
    /// A signal stopped the run after `step`; a checkpoint of that step was written.
    case interrupted(step: Int, signal: Int32)
    /// The `deadline` passed after `step`; a checkpoint of that step was written.
    case timeUp(step: Int)
}

/// Trains a model: AdamW with warm-up and cosine decay, global gradient-norm
/// clipping, gradient accumulation, periodic validation, logs, checkpoints and previews.
///
/// One step is one optimizer step everywhere (`max_steps`, every `logging.*` interval, the
/// schedule and the checkpoint names). A step takes `accumulate_grad_batches` micro-batches of
/// `train_batch_size` rolls, sums their gradients (each loss scaled by 1 / micro-batches),
/// clips the global norm to `grad_clip` and updates the parameters with the learning rate of
/// ``LearningRateSchedule``.
///
/// Everything is reproducible: micro-batch `m` of step `s` draws its random choices from
/// `RandomGenerator(seed: randomSeed).stream(s).stream(m)`, the data come from a counter-based
/// ``ExampleSampler``, and the engine's kernels are deterministic for a given thread count.
/// So a run resumed from a checkpoint ends with the same bits as one that never stopped.
///
/// The run folder holds `log.jsonl` (``RunLog``), `checkpoints/` (``CheckpointStore``) and
/// `previews/` (when the model can sample).
public final class Trainer {
    /// The run's configuration.
    public let config: FractalConfig
    /// The model being trained.
    public let model: any TrainableModel
    /// The run folder.
    public let run: URL
    /// Optimizer steps taken.
    public private(set) var step: Int
    /// The run's numbers so far (latest training and validation results, the best one).
    public private(set) var metrics: CheckpointMetrics

    private let optimizer: AdamW
    private let schedule: LearningRateSchedule
    private let parameters: [Tensor]
    private let randomSeed: UInt64
    private var sampler: ExampleSampler
    private let validationCrops: ValidationCrops?
    /// The training music's style names, in class order (empty when unlabeled).
    private let styles: [String]
    /// The style of most training songs.
    private let defaultStyle: String?
    /// The training music's dynamics, written into every checkpoint.
    private let dynamics: DynamicsTable
    private let store: CheckpointStore
    private let log: RunLog
    private let progress: TrainerProgress
    private var savedStep: Int?

    /// A trainer of `model` on `data` writing into the run folder `run`.
    ///
    /// - Parameters:
    ///   - model: a freshly initialised model (its weights are replaced when resuming).
    ///   - config: the run's configuration; when resuming its model keys must equal the
    ///     checkpoint's (training and logging keys may change).
    ///   - checkpoint: the checkpoint to continue from, or nil for a new run (then `run` must
    ///     not hold checkpoints yet).
    ///   - configurationName: how messages name `config` (its file).
    ///   - isTerminal: whether progress redraws one line (default: standard error is a terminal).
    ///   - write: where progress lines go (default: standard error).
    public init(
        model: any TrainableModel, config: FractalConfig, data: TrainerData, run: URL,
        resumingFrom checkpoint: Checkpoint? = nil, configurationName: String = "the configuration",
        isTerminal: Bool = isatty(STDERR_FILENO) != 0,
        write: @escaping @Sendable (String) -> Void = ProgressReporter.writeToStandardError
    ) throws(TrainerError) {
        self.config = config
        self.model = model
        self.run = run
        let training = config.training
        guard training.maxSteps > 0 else { throw .setting("training.max_steps \(training.maxSteps) must be at least 1") }
        guard data.train.styles.count <= config.model.numClasses else {
            let names = data.train.styles.joined(separator: ", ")
            throw .setting("the training music has \(data.train.styles.count) styles (\(names)) but model.num_classes is "
                + "\(config.model.numClasses); set model.num_classes: \(data.train.styles.count) in \(configurationName)")
        }
        schedule = LearningRateSchedule(
            peak: training.learningRate, minimum: min(training.minLR, training.learningRate),
            warmupSteps: min(training.warmupSteps, training.maxSteps), totalSteps: training.maxSteps)
        optimizer = AdamW(parameters: model.namedParameters(),
                          configuration: AdamW.Configuration(weightDecay: Float(training.weightDecay)))
        parameters = model.namedParameters().map(\.tensor)
        styles = data.train.styles
        defaultStyle = Self.mostCommonStyle(of: data.train)
        store = CheckpointStore(run: run)
        store.repair()
        do throws(DataError) {
            sampler = try ExampleSampler(
                dataset: data.train, cropLength: config.data.cropLength,
                pitchShifts: config.data.pitchShiftMin...config.data.pitchShiftMax,
                cropsPerSong: config.data.augmentFactor, seed: UInt64(bitPattern: Int64(config.seed)))
            validationCrops = try data.validation.map { validation throws(DataError) in
                try ValidationCrops(dataset: validation, cropLength: config.data.cropLength)
            }
            dynamics = try DynamicsTable(dataset: data.train, cropLength: config.data.cropLength)
        } catch {
            throw .data(error)
        }
        if let checkpoint {
            do throws(CheckpointError) {
                try checkpoint.checkModelKeys(of: config, configuration: configurationName)
                try checkpoint.loadParameters(into: model)
                let moments = try checkpoint.optimizerState()
                do {
                    try optimizer.importState(from: moments)
                } catch {
                    throw .unreadable(file: checkpoint.directory.appendingPathComponent(Checkpoint.optimizerFileName).path,
                                      reason: error.description)
                }
            } catch {
                throw .checkpoint(error)
            }
            do {
                try sampler.restore(checkpoint.state.sampler)
            } catch {
                throw .setting("the training data or crop settings differ from those of checkpoint \(checkpoint.directory.path) "
                    + "(\(error.description)); resume with the same data.train_data, crop_length, augment_factor and pitch shifts")
            }
            step = checkpoint.state.step
            randomSeed = checkpoint.state.randomSeed
            metrics = checkpoint.state.metrics
            savedStep = step
        } else {
            if !store.savedSteps().isEmpty || store.latestDirectory() != nil {
                throw .checkpoint(.runExists(path: run.path))
            }
            step = 0
            randomSeed = UInt64(bitPattern: Int64(config.seed))
            metrics = CheckpointMetrics()
        }
        do {
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            log = try RunLog(run: run)
        } catch let error as CheckpointError {
            throw .checkpoint(error)
        } catch {
            throw .checkpoint(.unwritable(file: run.path, reason: Checkpoint.reason(error)))
        }
        progress = TrainerProgress(totalSteps: training.maxSteps, isTerminal: isTerminal, write: write)
    }

    /// The learning rate of the next step.
    public var learningRate: Double { schedule.rate(atStep: step) }

    /// Trains until `training.max_steps` (or step `until`, when given and smaller), until
    /// `monitor` reports a signal, or until `deadline` passes (a time budget); the signal and
    /// the deadline are checked between steps. Writes a checkpoint at the end either way.
    @discardableResult
    public func train(until lastStep: Int? = nil, stoppingOn monitor: SignalMonitor? = nil,
                      deadline: DispatchTime? = nil) throws(TrainerError) -> TrainingOutcome {
        let target = min(lastStep ?? config.training.maxSteps, config.training.maxSteps)
        let logging = config.logging
        let micro = max(1, config.training.accumulateGradBatches)
        let batchSize = config.training.trainBatchSize
        let loader: DataLoader
        do {
            loader = try DataLoader(sampler: sampler, batchSize: batchSize, prefetch: 2 * micro)
        } catch {
            throw .data(error)
        }
        let root = Engine.RandomGenerator(seed: randomSeed)
        model.setTraining(true)
        progress.start(step: step)
        var window = LossWindow()
        var outcome = TrainingOutcome.finished(step: target)

        while step < target {
            if let signal = monitor?.received {
                outcome = .interrupted(step: step, signal: signal)
                break
            }
            if let deadline, DispatchTime.now() >= deadline {
                outcome = .timeUp(step: step)
                break
            }
            let rate = schedule.rate(atStep: step)
            model.zeroGradients()
            let stepStream = root.stream(UInt64(step))
            for index in 0..<micro {
                let batch = loader.next()
                var random = stepStream.stream(UInt64(index))
                let result = model.trainingStep(batch: batch, gradientScale: 1 / Float(micro), random: &random)
                window.add(loss: result.loss, bits: result.bitsPerCell, examples: batch.size)
            }
            let norm = GradientClipping.clipGlobalNorm(parameters, maxNorm: Float(config.training.gradClip))
            if norm.isFinite {
                optimizer.step(learningRate: rate)
            } else {
                progress.note("step \(step + 1): the gradient norm is \(norm); the update is skipped")
            }
            model.zeroGradients()
            step += 1
            window.steps += 1
            sampler = Self.advanced(sampler, to: loader.state)
            progress.update(step: step, window: window, learningRate: rate)

            if step % max(1, logging.logEveryNSteps) == 0 || step == target {
                let record = window.record(step: step, learningRate: rate)
                metrics.loss = record.loss
                metrics.bitsPerCell = record.bitsPerCell
                try append(record)
                progress.logged(record: record)
                window = LossWindow()
            }
            // Validation, previews and checkpoints are not stepping: the window's rates leave them out.
            let housekeeping = DispatchTime.now().uptimeNanoseconds
            if validationCrops != nil, step % max(1, logging.valCheckIntervalSteps) == 0 || step == config.training.maxSteps {
                try validateAndRecord()
            }
            if step % max(1, logging.logImagesEveryNSteps) == 0 {
                writePreviews()
            }
            if step % max(1, logging.checkpointEveryNSteps) == 0 {
                try saveCheckpoint()
            }
            window.start += DispatchTime.now().uptimeNanoseconds - housekeeping
        }
        if savedStep != step { try saveCheckpoint() }
        progress.finish(outcome: outcome)
        return outcome
    }

    /// The model's validation result in bits per cell over the fixed validation crops (nil
    /// without validation data); see ``ValidationCrops/bitsPerCell(of:batchSize:)``.
    public func validate() -> Double? {
        guard let validationCrops else { return nil }
        let result = validationCrops.bitsPerCell(of: model, batchSize: config.training.valBatchSize)
        return result.cells > 0 ? result.bitsPerCell : nil
    }

    /// The style most songs of `dataset` carry (the first in class order on a tie; nil when
    /// no song has a style).
    public static func mostCommonStyle(of dataset: DecodedDataset) -> String? {
        var songs = [Int](repeating: 0, count: dataset.styles.count)
        for song in dataset.songs where dataset.styles.indices.contains(Int(song.classIndex)) { songs[Int(song.classIndex)] += 1 }
        guard let top = songs.indices.max(by: { songs[$0] < songs[$1] || (songs[$0] == songs[$1] && $0 > $1) }),
              songs[top] > 0 else { return nil }
        return dataset.styles[top]
    }

    /// The checkpoint state of the run now.
    public var checkpointState: CheckpointState {
        CheckpointState(step: step, randomSeed: randomSeed, sampler: sampler.state, metrics: metrics, config: config,
                        styles: styles.isEmpty ? nil : styles, defaultStyle: defaultStyle, dynamics: dynamics)
    }

    private func validateAndRecord() throws(TrainerError) {
        guard let bits = validate() else { return }
        metrics.validationBitsPerCell = bits
        let isBest = metrics.bestValidationBitsPerCell.map { bits < $0 } ?? true
        if isBest {
            metrics.bestValidationBitsPerCell = bits
            metrics.bestStep = step
        }
        try append(RunLogRecord(step: step, valBitsPerCell: bits))
        progress.note(String(format: "step %d: validation %.4f bits/cell%@", step, bits, isBest ? " (best)" : ""))
        if isBest {
            do {
                try store.saveBest(model: model, optimizer: optimizer, state: checkpointState)
            } catch {
                throw .checkpoint(error)
            }
        }
    }

    /// Draws and writes the previews of this step: pieces of the model's width in the default
    /// style, through the same generation pipeline as `fractalmidi generate` (dynamics, key
    /// guide, seam pass), with the run's sampling options. A failure is reported and training
    /// goes on.
    private func writePreviews() {
        guard let generative = model as? FractalGenerativeModel, config.logging.numImagesToLog > 0 else { return }
        let folder = run.appendingPathComponent(PreviewWriter.folderName, isDirectory: true)
        model.setTraining(false)
        defer { model.setTraining(true) }
        do {
            let trained = TrainedModel(model: generative, config: config, styles: styles, defaultStyle: defaultStyle,
                                       dynamics: dynamics)
            var request = try GenerationRequest.newPieces(steps: generative.width, velocityBins: config.model.velocityBins)
            request.count = config.logging.numImagesToLog
            request.seed = randomSeed ^ UInt64(step)
            let rolls = try Engine.withoutGradients { try GenerationPipeline(model: trained).run(request).pieces }
            try PreviewWriter(folder: folder).write(rolls, step: step)
        } catch {
            progress.note("step \(step): no preview (\(error))")
        }
    }

    private func saveCheckpoint() throws(TrainerError) {
        do {
            try store.save(model: model, optimizer: optimizer, state: checkpointState, keepLast: config.logging.keepLast)
        } catch {
            throw .checkpoint(error)
        }
        savedStep = step
    }

    private func append(_ record: RunLogRecord) throws(TrainerError) {
        do {
            try log.append(record)
        } catch {
            throw .checkpoint(error)
        }
    }

    /// `sampler` moved to `state` (a later state of the same stream).
    private static func advanced(_ sampler: ExampleSampler, to state: SamplerState) -> ExampleSampler {
        var copy = sampler
        // The loader's sampler is a copy of this one, so its states always restore here.
        try? copy.restore(state)
        return copy
    }
}

/// Sums of the training numbers since the last logged step.
struct LossWindow {
    var loss = 0.0
    var bits = 0.0
    var batches = 0
    var examples = 0
    var steps = 0
    /// When the window began, moved later by the time spent on anything but steps.
    var start = DispatchTime.now().uptimeNanoseconds

    mutating func add(loss: Double, bits: Double, examples: Int) {
        self.loss += loss
        self.bits += bits
        batches += 1
        self.examples += examples
    }

    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    func record(step: Int, learningRate: Double) -> RunLogRecord {
        let count = Double(max(batches, 1))
        let seconds = max(self.seconds, 1e-9)
        return RunLogRecord(step: step, loss: loss / count, bitsPerCell: bits / count, lr: learningRate,
                            examplesPerS: Double(examples) / seconds, stepsPerS: Double(steps) / seconds)
    }
}
