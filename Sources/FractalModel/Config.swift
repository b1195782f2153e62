/// The complete configuration of a FractalMIDI run: the model's shape, the training schedule,
/// the data, the machine, logging, sampling and the random seed.
///
/// It is read from YAML with `FractalConfig.load(contentsOf:overrides:)`, whose sections are
/// `model`, `training`, `data`, `hardware`, `logging`, `sampling` and the top-level `seed`.
/// The keys of the reference project's configs (`config/train_default.yaml`,
/// `config/train_small.yaml`) load unchanged; keys that mean nothing on this CPU engine
/// produce one warning each. Every value is checked by `validate(file:)` before anything runs.
public struct FractalConfig: Sendable, Equatable {
    /// The model's shape (`model:`).
    public var model: ModelConfig
    /// The optimizer schedule and batch sizes (`training:`).
    public var training: TrainingConfig
    /// Where the music comes from and how it is cut (`data:`).
    public var data: DataConfig
    /// The machine (`hardware:`).
    public var hardware: HardwareConfig
    /// Progress output, validation, checkpoints and previews (`logging:`).
    public var logging: LoggingConfig
    /// The knobs of generation (`sampling:`).
    public var sampling: SamplingOptions
    /// The seed of every random choice of a run (`seed:`).
    public var seed: Int

    /// A configuration with every value at its default (the default model).
    public init(
        model: ModelConfig = ModelConfig(),
        training: TrainingConfig = TrainingConfig(),
        data: DataConfig = DataConfig(),
        hardware: HardwareConfig = HardwareConfig(),
        logging: LoggingConfig = LoggingConfig(),
        sampling: SamplingOptions = SamplingOptions(),
        seed: Int = 42
    ) {
        self.model = model
        self.training = training
        self.data = data
        self.hardware = hardware
        self.logging = logging
        self.sampling = sampling
        self.seed = seed
    }
}

/// The kind of transformer a generator level uses.
public enum GeneratorType: String, Sendable, Equatable, CaseIterable {
    /// Masked autoregressive: bidirectional attention, patches generated in random order over
    /// `num_iter` steps.
    case mar
    /// Autoregressive: causal attention, patches generated one by one in scan order.
    case ar
}

/// The order in which an AR generator visits the patches of its grid.
public enum ScanOrder: String, Sendable, Equatable, CaseIterable {
    /// Along time within a pitch band, then the next band.
    case rowMajor = "row_major"
    /// Across pitch bands within a time column, then the next column (time-major).
    case columnMajor = "column_major"
}

/// The order in which a MAR level draws the patches it has masked, one group per step.
public enum PatchOrder: String, Sendable, Equatable, CaseIterable {
    /// A fresh random order per item, as the level was trained.
    case random
    /// Earlier time columns first; the patches of one column (its pitch bands) in random
    /// order. Each step's patches then see the music before them already drawn, and fewer
    /// notes break off at the patch borders.
    case time
}

/// How classifier-free guidance strength moves during sampling.
public enum GuidanceSchedule: String, Sendable, Equatable, CaseIterable {
    /// `cfg` throughout.
    case constant
    /// From 1 to `cfg`, linearly over level-0 progress.
    case linear
}

/// The model's shape: the fractal hierarchy, widths, depths, and the cell representation.
public struct ModelConfig: Sendable, Equatable {
    /// Number of pitches of the roll (`piano_roll_height`); always 128.
    public var pianoRollHeight: Int = 128
    /// Side of the leaf patches whose cells the head fills (`patch_size`); equals
    /// `imgSizeList[imgSizeList.count - 2]`.
    public var patchSize: Int = 4
    /// Number of velocity bins over 1…127 (`velocity_bins`; the reference's
    /// `velocity_vocab_size` is read as this, capped at 127).
    public var velocityBins: Int = 32
    /// Patch sides per level, from the whole roll (128) down to a cell (1) (`img_size_list`).
    public var imgSizeList: [Int] = [128, 16, 4, 1]
    /// Transformer width per level; the last entry is the head's (`embed_dim_list`).
    public var embedDimList: [Int] = [512, 256, 128, 64]
    /// Transformer depth per level; the last entry is the head's (`num_blocks_list`).
    public var numBlocksList: [Int] = [12, 3, 2, 1]
    /// Attention heads per level; the last entry is the head's (`num_heads_list`).
    public var numHeadsList: [Int] = [8, 4, 2, 2]
    /// Kind of each generator level, one per level above the head (`generator_types`).
    public var generatorTypes: [GeneratorType] = [.mar, .mar, .mar]
    /// Scan order of AR levels (`scan_order`).
    public var scanOrder: ScanOrder = .rowMajor
    /// Location of the Normal distribution of the MAR mask ratio, truncated to [0, 1]
    /// (`mask_ratio_loc`).
    public var maskRatioLoc: Double = 1.0
    /// Scale of the Normal distribution of the MAR mask ratio (`mask_ratio_scale`).
    public var maskRatioScale: Double = 0.25
    /// Conditions a MAR generator hands down per patch: its own output and its four grid
    /// neighbours' (`num_conds`); always 5.
    public var numConds: Int = 5
    /// Number of style labels (`num_classes`); level 0 learns one embedding per label plus
    /// the null label used for guidance.
    public var numClasses: Int = 1
    /// Probability that training replaces the label by the null label (`label_drop_prob`).
    public var labelDropProb: Double = 0.1
    /// Dropout on attention probabilities (`attn_dropout`).
    public var attnDropout: Double = 0.0
    /// Dropout after the attention and MLP projections (`proj_dropout`).
    public var projDropout: Double = 0.0
    /// Standard deviation of the weight initialisation (`init_std`).
    public var initStd: Double = 0.02
    /// Weight of the velocity cross-entropy in the training loss (`v_weight`).
    public var vWeight: Double = 1.0
    /// Whether the generator levels below level 0 add a learned embedding of each patch's
    /// absolute pitch band to its token (`pitch_embedding`). Level 0 sees where its patches
    /// sit on the keyboard through its positions; a lower level's input is one patch cut
    /// out of its parent, whose own positions say nothing of the pitch it covers, so without
    /// this the key and register reach it only through the conditions handed down. The
    /// tables start at zero, so switching it on for a trained model (`train --init-from`)
    /// leaves what the model computes unchanged until training moves them.
    public var pitchEmbedding: Bool = false

    /// The default model (the reference `train_default.yaml` shape).
    public init() {}

    /// Number of generator levels (every `img_size_list` entry but the last).
    public var generatorLevelCount: Int { imgSizeList.count - 1 }
}

/// The optimizer schedule and batch sizes. One step is one optimizer step everywhere.
public struct TrainingConfig: Sendable, Equatable {
    /// Number of optimizer steps of the run (`max_steps`).
    public var maxSteps: Int = 50_000
    /// Peak learning rate after warm-up (`learning_rate`).
    public var learningRate: Double = 1.0e-4
    /// Learning rate at the end of the cosine decay (`min_lr`).
    public var minLR: Double = 1.0e-6
    /// AdamW weight decay (`weight_decay`).
    public var weightDecay: Double = 0.05
    /// Steps of linear warm-up (`warmup_steps`).
    public var warmupSteps: Int = 2_000
    /// Maximum global gradient norm (`grad_clip`).
    public var gradClip: Double = 3.0
    /// Micro-batches accumulated per optimizer step (`accumulate_grad_batches`).
    public var accumulateGradBatches: Int = 1
    /// Rolls per training micro-batch (`train_batch_size`).
    public var trainBatchSize: Int = 16
    /// Rolls per validation batch (`val_batch_size`).
    public var valBatchSize: Int = 4

    /// The default schedule.
    public init() {}
}

/// Where the music comes from and how it is cut into training examples.
public struct DataConfig: Sendable, Equatable {
    /// A file list or folder of training MIDI files (`train_data`).
    public var trainData: String? = nil
    /// A file list or folder of validation MIDI files (`val_data`).
    public var valData: String? = nil
    /// Width of a training crop in steps (`crop_length`); the width the model is built for.
    public var cropLength: Int = 512
    /// Random crops drawn per file in one pass over the data (`augment_factor`).
    public var augmentFactor: Int = 1
    /// Lowest random transposition in semitones (`pitch_shift_min`).
    public var pitchShiftMin: Int = -12
    /// Highest random transposition in semitones (`pitch_shift_max`).
    public var pitchShiftMax: Int = 12
    /// Folder of the decoded-roll cache (`cache_dir`); the trainer's default when nil.
    /// (There is no steps-per-beat setting: a step is always a 16th note,
    /// ``PianoRoll/stepsPerBeat``.)
    public var cacheDir: String? = nil

    /// The default data settings.
    public init() {}
}

/// The machine.
public struct HardwareConfig: Sendable, Equatable {
    /// Compute threads (`threads`); 0 uses every core.
    public var threads: Int = 0

    /// The default: every core.
    public init() {}
}

/// Progress output, validation, checkpoints and previews, all counted in optimizer steps.
public struct LoggingConfig: Sendable, Equatable {
    /// Folder of the run's checkpoints, logs and previews (`output_dir`).
    public var outputDir: String = "runs/default"
    /// Steps between progress lines (`log_every_n_steps`).
    public var logEveryNSteps: Int = 50
    /// Steps between validations (`val_check_interval_steps`).
    public var valCheckIntervalSteps: Int = 2_000
    /// Steps between checkpoints (`checkpoint_every_n_steps`).
    public var checkpointEveryNSteps: Int = 2_000
    /// Steps between generated previews (`log_images_every_n_steps`).
    public var logImagesEveryNSteps: Int = 5_000
    /// Rolls generated per preview (`num_images_to_log`).
    public var numImagesToLog: Int = 2
    /// Most recent checkpoints kept on disk (`keep_last`).
    public var keepLast: Int = 3

    /// The default logging settings.
    public init() {}
}

