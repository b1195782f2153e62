import FractalModel

/// One configuration value as a checkpoint stores it.
public enum CheckpointConfigValue: Sendable, Equatable, Codable, CustomStringConvertible {
    /// An integer.
    case int(Int)
    /// A real number.
    case double(Double)
    /// A text (paths, names of choices).
    case text(String)
    /// A list of integers.
    case ints([Int])
    /// A list of names (generator types).
    case words([String])
    /// A switch.
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .text(value)
        } else if let value = try? container.decode([Int].self) {
            self = .ints(value)
        } else {
            self = .words(try container.decode([String].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .ints(let values): try container.encode(values)
        case .words(let values): try container.encode(values)
        case .bool(let value): try container.encode(value)
        }
    }

    /// Numbers compare by value: JSON does not keep `1.0` apart from `1`.
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.int(x), .double(y)), let (.double(y), .int(x)): return Double(x) == y
        case let (.text(x), .text(y)): return x == y
        case let (.ints(x), .ints(y)): return x == y
        case let (.words(x), .words(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        default: return false
        }
    }

    /// The value as YAML that `FractalConfig.parse` reads back exactly.
    var yaml: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value):
            // Swift's shortest round-trip text; YAML 1.1 floats need a point (1e-05 → 1.0e-05).
            var text = "\(value)"
            if !text.contains("."), let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                text.insert(contentsOf: ".0", at: exponent)
            }
            return text
        case .text(let value):
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        case .ints(let values): return "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .words(let values): return "[" + values.joined(separator: ", ") + "]"
        case .bool(let value): return value ? "true" : "false"
        }
    }

    /// The value as a user writes it, for messages.
    public var description: String {
        switch self {
        case .text(let value): return value
        default: return yaml
        }
    }
}

extension FractalConfig {
    /// Every key of the configuration with its value, as `section.key` paths in file order
    /// (unset optional paths are left out). Reading these back with
    /// ``FractalConfig/init(checkpointEntries:file:)`` gives an equal configuration.
    public var checkpointEntries: [(path: String, value: CheckpointConfigValue)] {
        var entries: [(String, CheckpointConfigValue)] = [
            ("model.piano_roll_height", .int(model.pianoRollHeight)),
            ("model.patch_size", .int(model.patchSize)),
            ("model.velocity_bins", .int(model.velocityBins)),
            ("model.img_size_list", .ints(model.imgSizeList)),
            ("model.embed_dim_list", .ints(model.embedDimList)),
            ("model.num_blocks_list", .ints(model.numBlocksList)),
            ("model.num_heads_list", .ints(model.numHeadsList)),
            ("model.generator_types", .words(model.generatorTypes.map(\.rawValue))),
            ("model.scan_order", .text(model.scanOrder.rawValue)),
            ("model.mask_ratio_loc", .double(model.maskRatioLoc)),
            ("model.mask_ratio_scale", .double(model.maskRatioScale)),
            ("model.num_conds", .int(model.numConds)),
            ("model.num_classes", .int(model.numClasses)),
            ("model.label_drop_prob", .double(model.labelDropProb)),
            ("model.attn_dropout", .double(model.attnDropout)),
            ("model.proj_dropout", .double(model.projDropout)),
            ("model.init_std", .double(model.initStd)),
            ("model.v_weight", .double(model.vWeight)),
            ("model.pitch_embedding", .bool(model.pitchEmbedding)),
            ("training.max_steps", .int(training.maxSteps)),
            ("training.learning_rate", .double(training.learningRate)),
            ("training.min_lr", .double(training.minLR)),
            ("training.weight_decay", .double(training.weightDecay)),
            ("training.warmup_steps", .int(training.warmupSteps)),
            ("training.grad_clip", .double(training.gradClip)),
            ("training.accumulate_grad_batches", .int(training.accumulateGradBatches)),
            ("training.train_batch_size", .int(training.trainBatchSize)),
            ("training.val_batch_size", .int(training.valBatchSize)),
        ]
        if let trainData = data.trainData { entries.append(("data.train_data", .text(trainData))) }
        if let valData = data.valData { entries.append(("data.val_data", .text(valData))) }
        entries += [
            ("data.crop_length", .int(data.cropLength)),
            ("data.augment_factor", .int(data.augmentFactor)),
            ("data.pitch_shift_min", .int(data.pitchShiftMin)),
            ("data.pitch_shift_max", .int(data.pitchShiftMax)),
        ]
        if let cacheDir = data.cacheDir { entries.append(("data.cache_dir", .text(cacheDir))) }
        entries += [
            ("hardware.threads", .int(hardware.threads)),
            ("logging.output_dir", .text(logging.outputDir)),
            ("logging.log_every_n_steps", .int(logging.logEveryNSteps)),
            ("logging.val_check_interval_steps", .int(logging.valCheckIntervalSteps)),
            ("logging.checkpoint_every_n_steps", .int(logging.checkpointEveryNSteps)),
            ("logging.log_images_every_n_steps", .int(logging.logImagesEveryNSteps)),
            ("logging.num_images_to_log", .int(logging.numImagesToLog)),
            ("logging.keep_last", .int(logging.keepLast)),
            ("sampling.num_iter_list", .ints(sampling.numIterList)),
            ("sampling.cfg", .double(sampling.cfg)),
            ("sampling.cfg_schedule", .text(sampling.cfgSchedule.rawValue)),
            ("sampling.temperature", .double(sampling.temperature)),
        ]
        if let hold = sampling.holdTemperature { entries.append(("sampling.hold_temperature", .double(hold))) }
        entries += [
            ("sampling.top_p", .double(sampling.topP)),
            ("sampling.filter_threshold", .double(sampling.filterThreshold)),
            ("sampling.off_scale_weight", .double(sampling.offScaleWeight)),
            ("sampling.redraw_seams", .bool(sampling.redrawSeams)),
        ]
        if !sampling.drawsInTrainingOrder { entries.append(("sampling.patch_order", .words(sampling.patchOrders.map(\.rawValue)))) }
        entries.append(("seed", .int(seed)))
        return entries
    }

    /// The keys that fix the shape of a model's parameters and the meaning of its weights:
    /// every `model.*` key and `data.crop_length` (the roll width the model is built for).
    public static func isModelKey(_ path: String) -> Bool {
        path.hasPrefix("model.") || path == "data.crop_length"
    }

    /// The model keys whose values differ between `self` and `other`, each as
    /// `key: A here, B there` with `self`'s value first.
    public func modelKeyDifferences(from other: FractalConfig) -> [(path: String, mine: CheckpointConfigValue, theirs: CheckpointConfigValue)] {
        let theirs = Dictionary(other.checkpointEntries.map { ($0.path, $0.value) }, uniquingKeysWith: { first, _ in first })
        return checkpointEntries.compactMap { entry in
            guard Self.isModelKey(entry.path), let value = theirs[entry.path], value != entry.value else { return nil }
            return (entry.path, entry.value, value)
        }
    }

    /// The configuration as YAML text (sections in order), which `FractalConfig.parse` reads
    /// back into an equal configuration.
    public var checkpointYAML: String {
        Self.yaml(from: checkpointEntries)
    }

    /// Rebuilds a configuration from entries written by ``checkpointEntries``, checking it as
    /// a configuration file named `file`.
    public init(checkpointEntries entries: [(path: String, value: CheckpointConfigValue)], file: String,
                overrides: [String] = []) throws(ConfigError) {
        self = try FractalConfig.parse(yaml: Self.yaml(from: entries), file: file, overrides: overrides).config
    }

    private static func yaml(from entries: [(path: String, value: CheckpointConfigValue)]) -> String {
        var lines: [String] = []
        var section = ""
        for (path, value) in entries where !(path == "data.steps_per_beat" && value == .int(4)) {
            // Checkpoints written while `data.steps_per_beat` was a key record it as 4, the only
            // value the data path ever used; any other value is refused by the parser.
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                lines.append("\(path): \(value.yaml)")
                section = ""
                continue
            }
            if parts[0] != section {
                section = parts[0]
                lines.append("\(section):")
            }
            lines.append("  \(parts[1]): \(value.yaml)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
