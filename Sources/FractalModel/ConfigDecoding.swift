import Foundation
import Yams

/// A value type a configuration key can hold, with the words and example used when the
/// written value has the wrong type.
protocol ConfigValue {
    /// The value of a YAML node, or nil when the node has another type.
    static func decode(_ node: Node) -> Self?
    /// What the key expects, for messages ("an integer").
    static var expectation: String { get }
    /// How a value of this type is written in YAML, for the example in messages.
    var yamlText: String { get }
}

extension Int: ConfigValue {
    static func decode(_ node: Node) -> Int? { node.scalar == nil ? nil : node.int }
    static var expectation: String { "an integer" }
    var yamlText: String { String(self) }
}

extension Double: ConfigValue {
    static func decode(_ node: Node) -> Double? {
        guard node.scalar != nil, let value = node.float ?? node.int.map(Double.init), value.isFinite else { return nil }
        return value
    }
    static var expectation: String { "a finite number" }
    var yamlText: String { "\(self)" }
}

extension Bool: ConfigValue {
    static func decode(_ node: Node) -> Bool? { node.scalar == nil ? nil : node.bool }
    static var expectation: String { "true or false" }
    var yamlText: String { self ? "true" : "false" }
}

extension String: ConfigValue {
    static func decode(_ node: Node) -> String? {
        guard let scalar = node.scalar, node.null == nil else { return nil }
        return scalar.string
    }
    static var expectation: String { "a text value" }
    var yamlText: String { self }
}

extension Array: ConfigValue where Element == Int {
    static func decode(_ node: Node) -> [Int]? {
        guard let sequence = node.sequence else { return nil }
        var values: [Int] = []
        for item in sequence {
            guard let value = Int.decode(item) else { return nil }
            values.append(value)
        }
        return values
    }
    static var expectation: String { "a list of integers" }
    var yamlText: String { "[" + map(String.init).joined(separator: ", ") + "]" }
}

/// Reads the known keys of a `ConfigDocument` into a `FractalConfig`, remembering every
/// key it asked for so that the keys it never read can be reported as unknown, with the
/// nearest known key suggested.
struct ConfigReader {
    /// The sections of a configuration file.
    static let sections = ["model", "training", "data", "hardware", "logging", "sampling"]

    /// Why `data.steps_per_beat` is refused: the whole data path (conversion, crops, bars,
    /// MIDI timing) works in 16th-note steps, so the key could only ever say 4.
    static let stepsPerBeatRemoved =
        "data.steps_per_beat is not a setting: a step is always a 16th note (4 per beat, docs/ROLL-RULES.md); delete the key"

    let document: ConfigDocument
    private var known: [String] = []
    private var read: Set<String> = []

    init(document: ConfigDocument) {
        self.document = document
    }

    /// Builds the configuration from the document, appending a warning for each reference
    /// key that does not apply.
    mutating func decode(warnings: inout [ConfigWarning]) throws(ConfigError) -> FractalConfig {
        var config = FractalConfig()
        try decodeModel(into: &config.model, warnings: &warnings)
        try decodeTraining(into: &config.training)
        try decodeData(into: &config.data, warnings: &warnings)
        try decodeHardware(into: &config.hardware, warnings: &warnings)
        try decodeLogging(into: &config.logging, warnings: &warnings)
        try decodeSampling(into: &config, warnings: &warnings)
        try value("seed", into: &config.seed)
        if let node = take("fast_dev_run"), let on = try typed("fast_dev_run", node, as: Bool.self), on {
            warn(&warnings, "fast_dev_run", "fast_dev_run true does not apply here; for a quick check override training.max_steps=1")
        }
        return config
    }

    private mutating func decodeModel(into model: inout ModelConfig, warnings: inout [ConfigWarning]) throws(ConfigError) {
        try value("model.piano_roll_height", into: &model.pianoRollHeight)
        try value("model.img_size_list", into: &model.imgSizeList)
        try value("model.embed_dim_list", into: &model.embedDimList)
        try value("model.num_blocks_list", into: &model.numBlocksList)
        try value("model.num_heads_list", into: &model.numHeadsList)
        let generatorLevels = max(model.imgSizeList.count - 1, 0)

        if let sides = optional("model.patch_size", as: Int.self) {
            model.patchSize = try sides.get()
        } else if model.imgSizeList.count >= 2 {
            model.patchSize = model.imgSizeList[model.imgSizeList.count - 2]
        }

        if let node = take("model.generator_types") {
            guard let sequence = node.sequence else {
                throw error("model.generator_types", "model.generator_types \(render(node)) is not a list; write one of mar or ar per generator level, e.g. [mar, mar, mar]")
            }
            var types: [GeneratorType] = []
            for (index, item) in sequence.enumerated() {
                guard let text = String.decode(item), let type = GeneratorType(rawValue: text.lowercased()) else {
                    throw error("model.generator_types", "model.generator_types[\(index)] \(render(item)) is not a generator type; use mar or ar")
                }
                types.append(type)
            }
            if types.count == generatorLevels + 1, generatorLevels > 0 {
                warn(&warnings, "model.generator_types",
                     "model.generator_types has \(types.count) entries for \(generatorLevels) generator levels; the last entry (\(types[generatorLevels].rawValue)) is unused because the last img_size_list level is the head")
                types.removeLast()
            }
            model.generatorTypes = types
        } else {
            model.generatorTypes = Array(repeating: .mar, count: generatorLevels)
        }

        try choice("model.scan_order", into: &model.scanOrder)
        try value("model.mask_ratio_loc", into: &model.maskRatioLoc)
        try value("model.mask_ratio_scale", into: &model.maskRatioScale)
        try value("model.num_conds", into: &model.numConds)
        try value("model.num_classes", into: &model.numClasses)
        try value("model.label_drop_prob", into: &model.labelDropProb)
        try value("model.attn_dropout", into: &model.attnDropout)
        try value("model.proj_dropout", into: &model.projDropout)
        try value("model.init_std", into: &model.initStd)
        try value("model.v_weight", into: &model.vWeight)
        try value("model.pitch_embedding", into: &model.pitchEmbedding)

        let bins = try optional("model.velocity_bins", as: Int.self)?.get()
        if let vocabulary = try optional("model.velocity_vocab_size", as: Int.self)?.get() {
            var asBins = vocabulary
            if vocabulary > 127 {
                asBins = 127
                warn(&warnings, "model.velocity_vocab_size",
                     "model.velocity_vocab_size \(vocabulary) is read as velocity_bins and capped at 127 (MIDI velocities are 1…127)")
            }
            if let bins, bins != asBins {
                throw error("model.velocity_vocab_size",
                            "model.velocity_vocab_size \(vocabulary) contradicts model.velocity_bins \(bins) (the reference's velocity_vocab_size is read as velocity_bins); keep only velocity_bins")
            }
            model.velocityBins = asBins
        }
        if let bins { model.velocityBins = bins }

        if let node = take("model.grad_checkpointing"), let on = try typed("model.grad_checkpointing", node, as: Bool.self), on {
            warn(&warnings, "model.grad_checkpointing",
                 "model.grad_checkpointing true does not apply: the engine keeps every activation for the backward pass (`fractalmidi plan` shows how much)")
        }
    }

    private mutating func decodeTraining(into training: inout TrainingConfig) throws(ConfigError) {
        try value("training.max_steps", into: &training.maxSteps)
        try value("training.learning_rate", into: &training.learningRate)
        try value("training.min_lr", into: &training.minLR)
        try value("training.weight_decay", into: &training.weightDecay)
        try value("training.warmup_steps", into: &training.warmupSteps)
        try value("training.grad_clip", into: &training.gradClip)
        try value("training.accumulate_grad_batches", into: &training.accumulateGradBatches)
        try value("training.train_batch_size", into: &training.trainBatchSize)
        try value("training.val_batch_size", into: &training.valBatchSize)
    }

    private mutating func decodeData(into data: inout DataConfig, warnings: inout [ConfigWarning]) throws(ConfigError) {
        try optionalText("data.train_data", into: &data.trainData)
        try optionalText("data.val_data", into: &data.valData)
        try value("data.crop_length", into: &data.cropLength)
        try value("data.augment_factor", into: &data.augmentFactor)
        try value("data.pitch_shift_min", into: &data.pitchShiftMin)
        try value("data.pitch_shift_max", into: &data.pitchShiftMax)
        try optionalText("data.cache_dir", into: &data.cacheDir)
        if take("data.steps_per_beat") != nil {
            throw error("data.steps_per_beat", Self.stepsPerBeatRemoved)
        }
        if let node = take("data.cache_in_memory"), let on = try typed("data.cache_in_memory", node, as: Bool.self), !on {
            warn(&warnings, "data.cache_in_memory",
                 "data.cache_in_memory false does not apply: decoded rolls are always held in memory (and cached on disk in data.cache_dir)")
        }
    }

    private mutating func decodeHardware(into hardware: inout HardwareConfig, warnings: inout [ConfigWarning]) throws(ConfigError) {
        try value("hardware.threads", into: &hardware.threads)
        let notApplicable: [(key: String, reason: String)] = [
            ("hardware.devices", "FractalMIDI computes on the CPU; hardware.threads sets the compute threads"),
            ("hardware.num_workers", "music is decoded once into the cache and cropped in-process; hardware.threads sets the compute threads"),
            ("hardware.prefetch_factor", "there are no data-loader worker processes to prefetch"),
            ("hardware.persistent_workers", "there are no data-loader worker processes"),
            ("hardware.pin_memory", "there is no GPU to copy batches to"),
        ]
        for (key, reason) in notApplicable {
            if let node = take(key) {
                warn(&warnings, key, "\(key) \(render(node)) does not apply: \(reason)")
            }
        }
        if let node = take("hardware.precision"), String.decode(node) != "32" {
            warn(&warnings, "hardware.precision", "hardware.precision \(render(node)) does not apply: the engine computes in 32-bit floats only")
        }
    }

    private mutating func decodeLogging(into logging: inout LoggingConfig, warnings: inout [ConfigWarning]) throws(ConfigError) {
        try value("logging.output_dir", into: &logging.outputDir)
        try value("logging.log_every_n_steps", into: &logging.logEveryNSteps)
        try value("logging.val_check_interval_steps", into: &logging.valCheckIntervalSteps)
        try value("logging.checkpoint_every_n_steps", into: &logging.checkpointEveryNSteps)
        try value("logging.log_images_every_n_steps", into: &logging.logImagesEveryNSteps)
        try value("logging.num_images_to_log", into: &logging.numImagesToLog)
        try value("logging.keep_last", into: &logging.keepLast)
        if let node = take("logging.save_top_k") {
            warn(&warnings, "logging.save_top_k",
                 "logging.save_top_k \(render(node)) does not apply: checkpoints are not ranked; logging.keep_last (\(logging.keepLast)) sets how many recent ones are kept")
        }
    }

    private mutating func decodeSampling(into config: inout FractalConfig, warnings: inout [ConfigWarning]) throws(ConfigError) {
        if let given = optional("sampling.num_iter_list", as: [Int].self) {
            config.sampling.numIterList = try given.get()
        } else {
            config.sampling.numIterList = SamplingOptions.defaultIterations(model: config.model, cropLength: config.data.cropLength)
        }
        try value("sampling.cfg", into: &config.sampling.cfg)
        try choice("sampling.cfg_schedule", into: &config.sampling.cfgSchedule)
        try value("sampling.temperature", into: &config.sampling.temperature)
        if let node = take("sampling.hold_temperature"), node.null == nil {
            guard let hold = Double.decode(node) else {
                throw error("sampling.hold_temperature", "sampling.hold_temperature \(render(node)) is not a finite number; write e.g. hold_temperature: 1.0, or leave it out to use the temperature")
            }
            config.sampling.holdTemperature = hold
        }
        try value("sampling.top_p", into: &config.sampling.topP)
        try value("sampling.filter_threshold", into: &config.sampling.filterThreshold)
        try value("sampling.off_scale_weight", into: &config.sampling.offScaleWeight)
        try value("sampling.redraw_seams", into: &config.sampling.redrawSeams)
        let marLevels = config.model.generatorTypes.filter { $0 == .mar }.count
        if let node = take("sampling.patch_order") {
            guard let sequence = node.sequence else {
                throw error("sampling.patch_order", "sampling.patch_order \(render(node)) is not a list; write random or time per MAR level, e.g. \(PatchOrder.example(marLevels))")
            }
            var orders: [PatchOrder] = []
            for (index, item) in sequence.enumerated() {
                guard let text = String.decode(item), let order = PatchOrder(rawValue: text) else {
                    throw error("sampling.patch_order", "sampling.patch_order[\(index)] \(render(item)) is not a patch order; use random or time")
                }
                orders.append(order)
            }
            do {
                try config.sampling.setPatchOrders(orders)
            } catch let problem {
                throw error("sampling.patch_order", problem.described(naming: "sampling.patch_order"))
            }
        }
    }

    // MARK: - Reading single keys

    /// Marks `path` as a known key and returns its node, if the document has one.
    private mutating func take(_ path: String) -> Node? {
        known.append(path)
        guard let entry = document.entries[path] else { return nil }
        read.insert(path)
        return entry.node
    }

    /// Reads `path` into `target` when present; the target's current value is the default.
    private mutating func value<T: ConfigValue>(_ path: String, into target: inout T) throws(ConfigError) {
        guard let node = take(path) else { return }
        guard let decoded = T.decode(node) else {
            throw error(path, "\(path) \(render(node)) is not \(T.expectation); write e.g. \(leaf(path)): \(target.yamlText)")
        }
        target = decoded
    }

    /// Reads `path` when present, as a result so that absence and a type error stay apart.
    private mutating func optional<T: ConfigValue>(_ path: String, as type: T.Type) -> Result<T, ConfigError>? {
        guard let node = take(path) else { return nil }
        guard let decoded = T.decode(node) else {
            return .failure(error(path, "\(path) \(render(node)) is not \(T.expectation)"))
        }
        return .success(decoded)
    }

    /// Reads a text value that may be null (`cache_dir: null`).
    private mutating func optionalText(_ path: String, into target: inout String?) throws(ConfigError) {
        guard let node = take(path) else { return }
        if node.null != nil { target = nil; return }
        guard let text = String.decode(node) else {
            throw error(path, "\(path) \(render(node)) is not a path; write e.g. \(leaf(path)): music/train.txt")
        }
        target = text
    }

    /// Reads one of the named options of an enumeration.
    private mutating func choice<T: RawRepresentable & CaseIterable>(_ path: String, into target: inout T) throws(ConfigError)
    where T.RawValue == String {
        guard let node = take(path) else { return }
        guard let text = String.decode(node), let decoded = T(rawValue: text) else {
            let options = T.allCases.map(\.rawValue).joined(separator: " or ")
            throw error(path, "\(path) \(render(node)) is not an option; use \(options)")
        }
        target = decoded
    }

    /// Decodes an already taken node, throwing the usual type message.
    private func typed<T: ConfigValue>(_ path: String, _ node: Node, as type: T.Type) throws(ConfigError) -> T? {
        guard let decoded = T.decode(node) else {
            throw error(path, "\(path) \(render(node)) is not \(T.expectation)")
        }
        return decoded
    }

    // MARK: - Unknown keys

    /// Throws for the first key of the document (in file order) that no rule read.
    func rejectUnreadKeys() throws(ConfigError) {
        let knownSections = Set(known.compactMap { $0.split(separator: ".").count == 2 ? String($0.split(separator: ".")[0]) : nil })
        for path in document.order where !read.contains(path) {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count < 2 {
                if knownSections.contains(path), let entry = document.entries[path] {
                    throw error(path, "\(path) must be a section of keys, got \(render(entry.node)); indent its keys under \(path):")
                }
                let topLevel = known.filter { !$0.contains(".") } + knownSections.sorted()
                let shown = path.isEmpty ? "an empty key" : path
                throw error(path, "\(shown) is not a configuration key\(suggestion(for: path, among: topLevel)); remove it or correct its name")
            }
            let (section, key) = (parts[0], parts[1])
            guard knownSections.contains(section) else {
                throw error(path, "\(section) is not a section\(suggestion(for: section, among: knownSections.sorted())); the sections are \(Self.sections.joined(separator: ", "))")
            }
            let sameSection = known.filter { $0.hasPrefix(section + ".") }.map { String($0.dropFirst(section.count + 1)) }
            if let elsewhere = known.first(where: { $0.hasSuffix("." + key) }) {
                throw error(path, "\(path) is not a key of \(section); it belongs in \(elsewhere.split(separator: ".")[0]) (\(elsewhere)); move it there")
            }
            throw error(path, "\(path) is not a key of \(section)\(suggestion(for: key, among: sameSection, prefix: section + ".")); remove it or correct its name")
        }
    }

    /// " (did you mean X?)" for the nearest candidate by edit distance, when it is near enough.
    private func suggestion(for word: String, among candidates: [String], prefix: String = "") -> String {
        let scored = candidates.map { (candidate: $0, distance: editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.distance < $1.distance }),
              best.distance <= max(2, best.candidate.count / 3) else { return "" }
        return " (did you mean \(prefix)\(best.candidate)?)"
    }

    // MARK: - Messages

    private func error(_ path: String, _ message: String) -> ConfigError {
        ConfigError(file: document.file, override: document.entries[path]?.override, key: path, message: message)
    }

    private func warn(_ warnings: inout [ConfigWarning], _ path: String, _ message: String) {
        warnings.append(ConfigWarning(file: document.file, key: path, message: message))
    }

    private func leaf(_ path: String) -> String {
        String(path.split(separator: ".").last ?? Substring(path))
    }
}

/// The Levenshtein distance between two strings (insertions, deletions, substitutions).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = Array(repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

extension PatchOrder {
    /// A `patch_order` list for `levels` MAR levels as YAML, for messages: the top level
    /// random and the levels below it in time order.
    static func example(_ levels: Int) -> String {
        "[" + (0..<max(levels, 1)).map { $0 == 0 ? "random" : "time" }.joined(separator: ", ") + "]"
    }
}

extension SamplingOptions {
    /// The MAR iterations used when `num_iter_list` is not given: 64 at level 0 and 16 below,
    /// each at most the level's token count (one patch per step at the most).
    static func defaultIterations(model: ModelConfig, cropLength: Int) -> [Int] {
        let sides = model.imgSizeList
        // The configuration is not validated yet: keep to sizes the validator can accept, so
        // that the token counts below cannot overflow (the validator then reports the rest).
        guard sides.count >= 2, model.generatorTypes.count == sides.count - 1,
              sides.allSatisfy({ (1...128).contains($0) }) else { return [] }
        let cropLength = min(max(cropLength, 0), ConfigLimits.maxCropLength)
        var iterations: [Int] = []
        for (level, type) in model.generatorTypes.enumerated() where type == .mar {
            let patch = sides[level + 1]
            let tokens = level == 0
                ? (sides[0] / patch) * max(cropLength / patch, 1)
                : (sides[level] / patch) * (sides[level] / patch)
            iterations.append(max(1, min(level == 0 ? 64 : 16, tokens)))
        }
        return iterations
    }
}
