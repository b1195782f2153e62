extension FractalConfig {
    /// Checks every rule a configuration must meet before anything runs.
    ///
    /// - Parameter file: the name messages give for the configuration.
    /// - Returns: warnings about values that are allowed but probably not meant (a run that
    ///   ends during warm-up).
    /// - Throws: `ConfigError` for the first broken rule, naming the key, the value, the rule
    ///   and a fix.
    @discardableResult
    public func validate(file: String = "<defaults>") throws(ConfigError) -> [ConfigWarning] {
        try validate(file: file, overrides: [:])
    }

    /// Checks every rule; `overrides` maps a dotted key to the command-line override it came from.
    func validate(file: String, overrides: [String: String]) throws(ConfigError) -> [ConfigWarning] {
        let check = RuleChecker(file: file, overrides: overrides)
        try check.limits(self)
        try check.hierarchy(model)
        try check.modelScalars(model)
        try check.data(data, model: model)
        try check.training(training)
        try check.hardwareAndLogging(hardware, logging, seed: seed)
        try check.sampling(sampling, model: model, cropLength: data.cropLength)
        var warnings: [ConfigWarning] = []
        if training.warmupSteps >= training.maxSteps {
            warnings.append(ConfigWarning(
                file: file, key: "training.warmup_steps",
                message: "training.warmup_steps \(training.warmupSteps) is not below training.max_steps \(training.maxSteps): the run ends during warm-up, before the learning rate reaches training.learning_rate"))
        }
        return warnings
    }
}

/// The rules of a configuration, one message per broken rule.
private struct RuleChecker {
    let file: String
    let overrides: [String: String]

    func fail(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, override: overrides[key], key: key, message: message)
    }

    func require(_ condition: Bool, _ key: String, _ message: @autoclosure () -> String) throws(ConfigError) {
        if !condition { throw fail(key, message()) }
    }

    // MARK: Limits

    /// The size limits of `ConfigLimits`, checked before any rule that computes with the
    /// values, so that no later arithmetic can overflow and no loop runs for ever.
    func limits(_ config: FractalConfig) throws(ConfigError) {
        let model = config.model
        for (key, list, limit) in [("model.embed_dim_list", model.embedDimList, ConfigLimits.maxWidth),
                                   ("model.num_blocks_list", model.numBlocksList, ConfigLimits.maxBlocks),
                                   ("model.num_heads_list", model.numHeadsList, ConfigLimits.maxHeads)] {
            try require(list.count <= ConfigLimits.maxLevels, key,
                        "\(key) has \(list.count) entries, more than the limit of \(ConfigLimits.maxLevels) levels; give one per img_size_list entry")
            for (level, value) in list.enumerated() {
                try require(value <= limit, key, "\(key)[\(level)] \(value) is above the limit of \(limit); use a smaller value")
            }
        }
        try require(model.imgSizeList.count <= ConfigLimits.maxLevels, "model.img_size_list",
                    "model.img_size_list has \(model.imgSizeList.count) entries, more than the limit of \(ConfigLimits.maxLevels) levels; e.g. [128, 16, 4, 1]")
        try require(model.numClasses <= ConfigLimits.maxClasses, "model.num_classes",
                    "model.num_classes \(model.numClasses) is above the limit of \(ConfigLimits.maxClasses); use one class per style")
        try require(config.data.cropLength <= ConfigLimits.maxCropLength, "data.crop_length",
                    "data.crop_length \(config.data.cropLength) is above the limit of \(ConfigLimits.maxCropLength) steps; use e.g. 256")
        try require(config.data.augmentFactor <= ConfigLimits.maxCount, "data.augment_factor",
                    "data.augment_factor \(config.data.augmentFactor) is above the limit of \(ConfigLimits.maxCount); use 1")
        let training = config.training
        for (key, value, limit) in [("training.train_batch_size", training.trainBatchSize, ConfigLimits.maxBatch),
                                    ("training.val_batch_size", training.valBatchSize, ConfigLimits.maxBatch),
                                    ("training.accumulate_grad_batches", training.accumulateGradBatches, ConfigLimits.maxBatch),
                                    ("training.max_steps", training.maxSteps, ConfigLimits.maxSteps),
                                    ("training.warmup_steps", training.warmupSteps, ConfigLimits.maxSteps),
                                    ("hardware.threads", config.hardware.threads, ConfigLimits.maxThreads),
                                    ("logging.log_every_n_steps", config.logging.logEveryNSteps, ConfigLimits.maxSteps),
                                    ("logging.val_check_interval_steps", config.logging.valCheckIntervalSteps, ConfigLimits.maxSteps),
                                    ("logging.checkpoint_every_n_steps", config.logging.checkpointEveryNSteps, ConfigLimits.maxSteps),
                                    ("logging.log_images_every_n_steps", config.logging.logImagesEveryNSteps, ConfigLimits.maxSteps),
                                    ("logging.keep_last", config.logging.keepLast, ConfigLimits.maxCount),
                                    ("logging.num_images_to_log", config.logging.numImagesToLog, ConfigLimits.maxCount),
                                    ("seed", config.seed, ConfigLimits.maxSeed)] {
            try require(value <= limit, key, "\(key) \(value) is above the limit of \(limit); use a smaller value")
        }
        for (entry, iterations) in config.sampling.numIterList.enumerated() {
            try require(iterations <= ConfigLimits.maxSteps, "sampling.num_iter_list",
                        "sampling.num_iter_list[\(entry)] \(iterations) is above the limit of \(ConfigLimits.maxSteps); use at most the level's patches")
        }
    }

    // MARK: Model

    func hierarchy(_ model: ModelConfig) throws(ConfigError) {
        let sides = model.imgSizeList
        let shown = sides.yamlText
        try require(model.pianoRollHeight == 128, "model.piano_roll_height",
                    "model.piano_roll_height \(model.pianoRollHeight) is not supported: the roll always has the 128 MIDI pitches; use 128")
        try require(sides.count >= 2, "model.img_size_list",
                    "model.img_size_list \(shown) needs at least two entries, the roll height 128 first and the cell 1 last; e.g. [128, 16, 4, 1]")
        try require(sides[0] == 128, "model.img_size_list",
                    "model.img_size_list \(shown) must start with the roll height 128 (level 0 sees the whole roll); e.g. [128, 16, 4, 1]")
        for index in 1..<sides.count {
            let (previous, side) = (sides[index - 1], sides[index])
            try require(side >= 1 && side < previous, "model.img_size_list",
                        "model.img_size_list \(shown): entry \(index) (\(side)) must be at least 1 and smaller than the \(previous) before it (each level cuts its patch into smaller ones)")
            if previous % side != 0 {
                let options = nearestDivisors(of: previous, near: side).map(String.init).joined(separator: " or ")
                throw fail("model.img_size_list",
                           "model.img_size_list \(shown): \(side) does not divide \(previous) (each size must divide the one before); use \(options) instead of \(side)")
            }
        }
        try require(sides.last == 1, "model.img_size_list",
                    "model.img_size_list \(shown) must end with 1 (the head fills single cells); e.g. \((sides + [1]).yamlText)")
        for (key, list) in [("model.embed_dim_list", model.embedDimList), ("model.num_blocks_list", model.numBlocksList),
                            ("model.num_heads_list", model.numHeadsList)] {
            try require(list.count == sides.count, key,
                        "\(key) \(list.yamlText) has \(list.count) entries but model.img_size_list has \(sides.count); give one per level (the last is the head's)")
            for (level, value) in list.enumerated() {
                try require(value >= 1, key, "\(key)[\(level)] \(value) must be at least 1")
            }
        }
        let levels = sides.count - 1
        let example = "[" + Array(repeating: "mar", count: levels).joined(separator: ", ") + "]"
        try require(model.generatorTypes.count == levels, "model.generator_types",
                    "model.generator_types has \(model.generatorTypes.count) entries for \(levels) generator levels (one per img_size_list entry but the last); write e.g. \(example)")
        for level in 0..<sides.count {
            let (width, heads) = (model.embedDimList[level], model.numHeadsList[level])
            if width % heads != 0 {
                let options = nearestDivisors(of: width, near: heads).map(String.init).joined(separator: " or ")
                throw fail("model.num_heads_list",
                           "model.num_heads_list[\(level)] \(heads) does not divide embed_dim_list[\(level)] \(width) (each head gets width/heads channels); use \(options) heads")
            }
        }
        let leaf = sides[sides.count - 2]
        if model.patchSize != leaf {
            let cuts = (0..<levels).map { "level \($0) cuts \(sides[$0])×\(sides[$0]) into \(sides[$0 + 1])×\(sides[$0 + 1]) patches" }
            let alternative = PatchHierarchy.derive(leafPatch: model.patchSize, like: sides).map { " or set img_size_list: \($0.yamlText)" } ?? ""
            throw fail("model.patch_size",
                       "model.patch_size \(model.patchSize) does not match model.img_size_list \(shown), whose leaf patches (filled cell by cell by the head) are img_size_list[-2] = \(leaf) (\(cuts.joined(separator: ", "))); set patch_size: \(leaf)\(alternative)")
        }
    }

    func modelScalars(_ model: ModelConfig) throws(ConfigError) {
        for (key, value) in [("model.attn_dropout", model.attnDropout), ("model.proj_dropout", model.projDropout),
                             ("model.label_drop_prob", model.labelDropProb)] {
            try require(value >= 0 && value < 1, key, "\(key) \(value) is outside [0, 1) (it is a probability of dropping); use e.g. 0.1")
        }
        try require(model.maskRatioLoc > 0 && model.maskRatioLoc <= 1, "model.mask_ratio_loc",
                    "model.mask_ratio_loc \(model.maskRatioLoc) is outside (0, 1] (the most likely fraction of patches masked in training); use 1.0")
        try require(model.maskRatioScale > 0 && model.maskRatioScale <= 1, "model.mask_ratio_scale",
                    "model.mask_ratio_scale \(model.maskRatioScale) is outside (0, 1] (the spread of the mask ratio, a Normal truncated to [0, 1]); use 0.25")
        try require(model.numConds == 5, "model.num_conds",
                    "model.num_conds \(model.numConds) is not supported: a MAR level hands down its own output and its 4 grid neighbours'; use 5")
        try require(model.numClasses >= 1, "model.num_classes",
                    "model.num_classes \(model.numClasses) must be at least 1 (use 1 for unlabelled music)")
        try require((1...127).contains(model.velocityBins), "model.velocity_bins",
                    "model.velocity_bins \(model.velocityBins) is outside 1…127 (bins over the MIDI velocities 1…127); use 32")
        try require(model.initStd > 0, "model.init_std", "model.init_std \(model.initStd) must be above 0; use 0.02")
        try require(model.vWeight >= 0, "model.v_weight", "model.v_weight \(model.vWeight) must be at least 0; use 1.0")
    }

    // MARK: Data and training

    func data(_ data: DataConfig, model: ModelConfig) throws(ConfigError) {
        let patch = model.imgSizeList[1]
        if data.cropLength < patch || data.cropLength % patch != 0 {
            let below = data.cropLength / patch * patch
            let above = below + patch
            let options = below >= patch ? "\(below) or \(above)" : "\(above)"
            throw fail("data.crop_length", "data.crop_length \(data.cropLength) is not a multiple of the level-0 patch \(patch); use \(options)")
        }
        try require(data.augmentFactor >= 1, "data.augment_factor",
                    "data.augment_factor \(data.augmentFactor) must be at least 1 (crops per file per pass); use 1")
        for (key, value) in [("data.pitch_shift_min", data.pitchShiftMin), ("data.pitch_shift_max", data.pitchShiftMax)] {
            try require((-127...127).contains(value), key, "\(key) \(value) is outside -127…127 semitones; use e.g. \(key.hasSuffix("min") ? -12 : 12)")
        }
        try require(data.pitchShiftMin <= data.pitchShiftMax, "data.pitch_shift_min",
                    "data.pitch_shift_min \(data.pitchShiftMin) is above data.pitch_shift_max \(data.pitchShiftMax); swap them")
    }

    func training(_ training: TrainingConfig) throws(ConfigError) {
        try require(training.maxSteps >= 1, "training.max_steps", "training.max_steps \(training.maxSteps) must be at least 1")
        try require(training.learningRate > 0, "training.learning_rate",
                    "training.learning_rate \(training.learningRate) must be above 0; use e.g. 1.0e-4")
        try require(training.minLR >= 0 && training.minLR <= training.learningRate, "training.min_lr",
                    "training.min_lr \(training.minLR) must be between 0 and training.learning_rate \(training.learningRate) (the end of the cosine decay); use e.g. \(training.learningRate / 100)")
        try require(training.weightDecay >= 0, "training.weight_decay",
                    "training.weight_decay \(training.weightDecay) must be at least 0; use 0.05")
        try require(training.warmupSteps >= 0, "training.warmup_steps",
                    "training.warmup_steps \(training.warmupSteps) must be at least 0 (0 = no warm-up)")
        try require(training.gradClip > 0, "training.grad_clip", "training.grad_clip \(training.gradClip) must be above 0; use 3.0")
        try require(training.accumulateGradBatches >= 1, "training.accumulate_grad_batches",
                    "training.accumulate_grad_batches \(training.accumulateGradBatches) must be at least 1 (1 = no accumulation)")
        try require(training.trainBatchSize >= 1, "training.train_batch_size",
                    "training.train_batch_size \(training.trainBatchSize) must be at least 1")
        try require(training.valBatchSize >= 1, "training.val_batch_size",
                    "training.val_batch_size \(training.valBatchSize) must be at least 1")
    }

    func hardwareAndLogging(_ hardware: HardwareConfig, _ logging: LoggingConfig, seed: Int) throws(ConfigError) {
        try require(hardware.threads >= 0, "hardware.threads",
                    "hardware.threads \(hardware.threads) must be at least 0 (0 uses every core)")
        try require(!logging.outputDir.isEmpty, "logging.output_dir", "logging.output_dir is empty; name a folder, e.g. runs/default")
        for (key, value) in [("logging.log_every_n_steps", logging.logEveryNSteps),
                             ("logging.val_check_interval_steps", logging.valCheckIntervalSteps),
                             ("logging.checkpoint_every_n_steps", logging.checkpointEveryNSteps),
                             ("logging.log_images_every_n_steps", logging.logImagesEveryNSteps),
                             ("logging.keep_last", logging.keepLast)] {
            try require(value >= 1, key, "\(key) \(value) must be at least 1")
        }
        try require(logging.numImagesToLog >= 0, "logging.num_images_to_log",
                    "logging.num_images_to_log \(logging.numImagesToLog) must be at least 0 (0 turns previews off)")
        try require(seed >= 0, "seed", "seed \(seed) must be at least 0")
    }

    // MARK: Sampling

    /// The rules of the `sampling:` section are the sampling options' own
    /// (``SamplingOptions/check(for:width:)``); the message names the key.
    func sampling(_ sampling: SamplingOptions, model: ModelConfig, cropLength: Int) throws(ConfigError) {
        do {
            try sampling.check(for: model, width: cropLength)
        } catch {
            throw fail(error.option.configurationKey, error.description)
        }
    }

    /// The divisors of `value` nearest to `wanted` (one below and one above when both exist),
    /// excluding `value` itself when it is larger than 1.
    private func nearestDivisors(of value: Int, near wanted: Int) -> [Int] {
        let divisors = (1...max(value, 1)).filter { value % $0 == 0 && ($0 < value || value == 1) }
        let below = divisors.last { $0 < wanted }
        let above = divisors.first { $0 > wanted }
        return [below, above].compactMap { $0 }
    }
}

/// The largest values a configuration may hold. They lie far above any model this tool can
/// train or run, and they keep every size the cost plan and the model compute (parameters,
/// tokens, attention entries) well inside 64-bit integers.
public enum ConfigLimits {
    /// Levels of the hierarchy (`img_size_list` entries): 128 halves to 1 in at most 8 cuts.
    public static let maxLevels = 8
    /// Channels of one level (`embed_dim_list` entries).
    public static let maxWidth = 16_384
    /// Transformer blocks of one level (`num_blocks_list` entries).
    public static let maxBlocks = 256
    /// Attention heads of one level (`num_heads_list` entries).
    public static let maxHeads = 1_024
    /// Style classes (`model.num_classes`).
    public static let maxClasses = 65_536
    /// Steps of a training crop (`data.crop_length`): 4,096 bars of 4/4 in 16ths.
    public static let maxCropLength = 65_536
    /// Rolls in one batch, and batches accumulated into one step.
    public static let maxBatch = 65_536
    /// Steps of a run and every step interval.
    public static let maxSteps = 1_000_000_000
    /// Counts such as checkpoints kept and previews drawn.
    public static let maxCount = 1_000_000
    /// Worker threads (`hardware.threads`).
    public static let maxThreads = 1_024
    /// The random seed: a 32-bit unsigned value, so that every seed means the same on every
    /// machine.
    public static let maxSeed = Int(UInt32.max)
}
