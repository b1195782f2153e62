import Testing
import FractalModel

/// One broken rule per case, given as overrides of the defaults, with its exact message.
struct RuleCase: Sendable, CustomTestStringConvertible {
    let overrides: [String]
    let key: String
    let message: String
    var testDescription: String { overrides.joined(separator: " ") }

    init(_ overrides: [String], _ key: String, _ message: String) {
        self.overrides = overrides
        self.key = key
        self.message = message
    }

    init(_ override: String, _ key: String, _ message: String) {
        self.init([override], key, message)
    }
}

@Suite struct ConfigValidationTests {
    static let hierarchyRules: [RuleCase] = [
        RuleCase("model.piano_roll_height=88", "model.piano_roll_height",
                 "model.piano_roll_height 88 is not supported: the roll always has the 128 MIDI pitches; use 128"),
        RuleCase("model.img_size_list=[128]", "model.img_size_list",
                 "model.img_size_list [128] needs at least two entries, the roll height 128 first and the cell 1 last; e.g. [128, 16, 4, 1]"),
        RuleCase("model.img_size_list=[64, 16, 4, 1]", "model.img_size_list",
                 "model.img_size_list [64, 16, 4, 1] must start with the roll height 128 (level 0 sees the whole roll); e.g. [128, 16, 4, 1]"),
        RuleCase("model.img_size_list=[128, 16, 6, 1]", "model.img_size_list",
                 "model.img_size_list [128, 16, 6, 1]: 6 does not divide 16 (each size must divide the one before); use 4 or 8 instead of 6"),
        RuleCase("model.img_size_list=[128, 16, 16, 1]", "model.img_size_list",
                 "model.img_size_list [128, 16, 16, 1]: entry 2 (16) must be at least 1 and smaller than the 16 before it (each level cuts its patch into smaller ones)"),
        RuleCase("model.img_size_list=[128, 16, 4, 2]", "model.img_size_list",
                 "model.img_size_list [128, 16, 4, 2] must end with 1 (the head fills single cells); e.g. [128, 16, 4, 2, 1]"),
        RuleCase("model.embed_dim_list=[512, 256, 128]", "model.embed_dim_list",
                 "model.embed_dim_list [512, 256, 128] has 3 entries but model.img_size_list has 4; give one per level (the last is the head's)"),
        RuleCase("model.num_blocks_list=[12, 0, 2, 1]", "model.num_blocks_list", "model.num_blocks_list[1] 0 must be at least 1"),
        RuleCase("model.generator_types=[mar, ar]", "model.generator_types",
                 "model.generator_types has 2 entries for 3 generator levels (one per img_size_list entry but the last); write e.g. [mar, mar, mar]"),
        RuleCase("model.num_heads_list=[8, 3, 2, 2]", "model.num_heads_list",
                 "model.num_heads_list[1] 3 does not divide embed_dim_list[1] 256 (each head gets width/heads channels); use 2 or 4 heads"),
        RuleCase("model.patch_size=8", "model.patch_size",
                 "model.patch_size 8 does not match model.img_size_list [128, 16, 4, 1], whose leaf patches (filled cell by cell by the head) are img_size_list[-2] = 4 (level 0 cuts 128×128 into 16×16 patches, level 1 cuts 16×16 into 4×4 patches, level 2 cuts 4×4 into 1×1 patches); set patch_size: 4 or set img_size_list: [128, 32, 8, 1]"),
        RuleCase("data.crop_length=500", "data.crop_length", "data.crop_length 500 is not a multiple of the level-0 patch 16; use 496 or 512"),
        RuleCase("data.crop_length=8", "data.crop_length", "data.crop_length 8 is not a multiple of the level-0 patch 16; use 16"),
    ]

    static let scalarRules: [RuleCase] = [
        RuleCase("model.attn_dropout=1.0", "model.attn_dropout", "model.attn_dropout 1.0 is outside [0, 1) (it is a probability of dropping); use e.g. 0.1"),
        RuleCase("model.proj_dropout=-0.1", "model.proj_dropout", "model.proj_dropout -0.1 is outside [0, 1) (it is a probability of dropping); use e.g. 0.1"),
        RuleCase("model.label_drop_prob=1", "model.label_drop_prob", "model.label_drop_prob 1.0 is outside [0, 1) (it is a probability of dropping); use e.g. 0.1"),
        RuleCase("model.mask_ratio_loc=0", "model.mask_ratio_loc",
                 "model.mask_ratio_loc 0.0 is outside (0, 1] (the most likely fraction of patches masked in training); use 1.0"),
        RuleCase("model.mask_ratio_scale=0", "model.mask_ratio_scale",
                 "model.mask_ratio_scale 0.0 is outside (0, 1] (the spread of the mask ratio, a Normal truncated to [0, 1]); use 0.25"),
        RuleCase("model.num_conds=4", "model.num_conds",
                 "model.num_conds 4 is not supported: a MAR level hands down its own output and its 4 grid neighbours'; use 5"),
        RuleCase("model.num_classes=0", "model.num_classes", "model.num_classes 0 must be at least 1 (use 1 for unlabelled music)"),
        RuleCase("model.velocity_bins=128", "model.velocity_bins", "model.velocity_bins 128 is outside 1…127 (bins over the MIDI velocities 1…127); use 32"),
        RuleCase("model.init_std=0", "model.init_std", "model.init_std 0.0 must be above 0; use 0.02"),
        RuleCase("model.v_weight=-1", "model.v_weight", "model.v_weight -1.0 must be at least 0; use 1.0"),
        RuleCase("data.steps_per_beat=8", "data.steps_per_beat", "data.steps_per_beat is not a setting: a step is always a 16th note (4 per beat, docs/ROLL-RULES.md); delete the key"),
        RuleCase("data.augment_factor=0", "data.augment_factor", "data.augment_factor 0 must be at least 1 (crops per file per pass); use 1"),
        RuleCase("data.pitch_shift_max=200", "data.pitch_shift_max", "data.pitch_shift_max 200 is outside -127…127 semitones; use e.g. 12"),
        RuleCase(["data.pitch_shift_min=5", "data.pitch_shift_max=2"], "data.pitch_shift_min",
                 "data.pitch_shift_min 5 is above data.pitch_shift_max 2; swap them"),
        RuleCase("training.max_steps=0", "training.max_steps", "training.max_steps 0 must be at least 1"),
        RuleCase("training.learning_rate=0", "training.learning_rate", "training.learning_rate 0.0 must be above 0; use e.g. 1.0e-4"),
        RuleCase("training.min_lr=0.1", "training.min_lr",
                 "training.min_lr 0.1 must be between 0 and training.learning_rate 0.0001 (the end of the cosine decay); use e.g. 1e-06"),
        RuleCase("training.weight_decay=-0.05", "training.weight_decay", "training.weight_decay -0.05 must be at least 0; use 0.05"),
        RuleCase("training.warmup_steps=-1", "training.warmup_steps", "training.warmup_steps -1 must be at least 0 (0 = no warm-up)"),
        RuleCase("training.grad_clip=0", "training.grad_clip", "training.grad_clip 0.0 must be above 0; use 3.0"),
        RuleCase("training.accumulate_grad_batches=0", "training.accumulate_grad_batches",
                 "training.accumulate_grad_batches 0 must be at least 1 (1 = no accumulation)"),
        RuleCase("training.train_batch_size=0", "training.train_batch_size", "training.train_batch_size 0 must be at least 1"),
        RuleCase("training.val_batch_size=0", "training.val_batch_size", "training.val_batch_size 0 must be at least 1"),
        RuleCase("hardware.threads=-1", "hardware.threads", "hardware.threads -1 must be at least 0 (0 uses every core)"),
        RuleCase("logging.keep_last=0", "logging.keep_last", "logging.keep_last 0 must be at least 1"),
        RuleCase("logging.val_check_interval_steps=0", "logging.val_check_interval_steps", "logging.val_check_interval_steps 0 must be at least 1"),
        RuleCase("logging.num_images_to_log=-1", "logging.num_images_to_log",
                 "logging.num_images_to_log -1 must be at least 0 (0 turns previews off)"),
        RuleCase("seed=-1", "seed", "seed -1 must be at least 0"),
        RuleCase("sampling.num_iter_list=[64, 16]", "sampling.num_iter_list",
                 "sampling.num_iter_list [64, 16] has 2 entries for 3 MAR levels (AR levels take one step per patch); give one per MAR level, e.g. [64, 16, 16]"),
        RuleCase("sampling.num_iter_list=[64, 17, 16]", "sampling.num_iter_list",
                 "sampling.num_iter_list [64, 17, 16] gives MAR level 1 17 steps, not between 1 and its 16 patches; use at most 16 (one patch per step)"),
        RuleCase("sampling.num_iter_list=[300, 16, 16]", "sampling.num_iter_list",
                 "sampling.num_iter_list [300, 16, 16] gives MAR level 0 300 steps, not between 1 and its 256 patches; use at most 256 (one patch per step)"),
        RuleCase("sampling.patch_order=[random, time]", "sampling.patch_order",
                 "sampling.patch_order [random, time] has 2 entries for 3 MAR levels; give one per MAR level, e.g. [random, time, time], or none for random order everywhere"),
        RuleCase("sampling.cfg=-1", "sampling.cfg", "sampling.cfg -1.0 must be a number ≥ 0; use 1 for no guidance"),
        RuleCase("sampling.temperature=0", "sampling.temperature", "sampling.temperature 0.0 must be a positive number; use e.g. 1.0"),
        RuleCase("sampling.hold_temperature=0", "sampling.hold_temperature", "sampling.hold_temperature 0.0 must be a positive number; use e.g. 1.0"),
        RuleCase("sampling.top_p=0", "sampling.top_p", "sampling.top_p 0.0 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class"),
        RuleCase("sampling.top_p=1.2", "sampling.top_p", "sampling.top_p 1.2 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class"),
        RuleCase("sampling.off_scale_weight=0", "sampling.off_scale_weight",
                 "sampling.off_scale_weight 0.0 is outside (0, 1]; use e.g. 0.1, or 1 to leave the model's notes alone"),
        RuleCase("sampling.filter_threshold=1", "sampling.filter_threshold", "sampling.filter_threshold 1.0 is outside [0, 1); use 1.0e-4"),
    ]

    static let typeAndKeyRules: [RuleCase] = [
        RuleCase("training.max_steps=abc", "training.max_steps", "training.max_steps abc is not an integer; write e.g. max_steps: 50000"),
        RuleCase("model.embed_dim_list=abc", "model.embed_dim_list",
                 "model.embed_dim_list abc is not a list of integers; write e.g. embed_dim_list: [512, 256, 128, 64]"),
        RuleCase("model.attn_dropout=.inf", "model.attn_dropout", "model.attn_dropout .inf is not a finite number; write e.g. attn_dropout: 0.0"),
        RuleCase("model.grad_checkpointing=maybe", "model.grad_checkpointing", "model.grad_checkpointing maybe is not true or false"),
        RuleCase("data.train_data=[1, 2]", "data.train_data", "data.train_data [1, 2] is not a path; write e.g. train_data: music/train.txt"),
        RuleCase("model.generator_types=[mar, mer, mar]", "model.generator_types", "model.generator_types[1] mer is not a generator type; use mar or ar"),
        RuleCase("model.generator_types=mar", "model.generator_types",
                 "model.generator_types mar is not a list; write one of mar or ar per generator level, e.g. [mar, mar, mar]"),
        RuleCase("model.scan_order=diagonal", "model.scan_order", "model.scan_order diagonal is not an option; use row_major or column_major"),
        RuleCase("sampling.patch_order=[random, tiem, time]", "sampling.patch_order",
                 "sampling.patch_order[1] tiem is not a patch order; use random or time"),
        RuleCase("sampling.patch_order=time", "sampling.patch_order",
                 "sampling.patch_order time is not a list; write random or time per MAR level, e.g. [random, time, time]"),
        RuleCase("sampling.cfg_schedule=cosine", "sampling.cfg_schedule", "sampling.cfg_schedule cosine is not an option; use constant or linear"),
        RuleCase("model.embed_dims=[1]", "model.embed_dims",
                 "model.embed_dims is not a key of model (did you mean model.embed_dim_list?); remove it or correct its name"),
        RuleCase("training.max_stepz=3", "training.max_stepz",
                 "training.max_stepz is not a key of training (did you mean training.max_steps?); remove it or correct its name"),
        RuleCase("model.crop_length=512", "model.crop_length",
                 "model.crop_length is not a key of model; it belongs in data (data.crop_length); move it there"),
        RuleCase("modle.img_size_list=[128, 16, 4, 1]", "modle.img_size_list",
                 "modle is not a section (did you mean model?); the sections are model, training, data, hardware, logging, sampling"),
        RuleCase("sed=3", "sed", "sed is not a configuration key (did you mean seed?); remove it or correct its name"),
        RuleCase("model=3", "model", "model must be a section of keys, got 3; indent its keys under model:"),
        RuleCase("max_steps", "", "an override must read section.key=value, e.g. training.max_steps=10"),
    ]

    static func check(_ rule: RuleCase) {
        do {
            _ = try FractalConfig.parse(yaml: "", file: "rules.yaml", overrides: rule.overrides)
            Issue.record("\(rule.overrides) was accepted")
        } catch {
            #expect(error.key == rule.key)
            #expect(error.message == rule.message)
            #expect(error.file == "rules.yaml")
            let source = rule.overrides.first { $0.hasPrefix(rule.key + "=") } ?? (rule.key.isEmpty ? rule.overrides.last : nil)
            #expect(error.override == source)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(arguments: hierarchyRules)
    func hierarchyRule(_ rule: RuleCase) { Self.check(rule) }

    @Test(arguments: scalarRules)
    func scalarRule(_ rule: RuleCase) { Self.check(rule) }

    @Test(arguments: typeAndKeyRules)
    func typeAndKeyRule(_ rule: RuleCase) { Self.check(rule) }

    @Test func unknownKeyInTheFileIsReportedWithItsFile() {
        #expect(throws: ConfigError(file: "f.yaml", key: "training.lr",
                                    message: "training.lr is not a key of training; remove it or correct its name")) {
            _ = try FractalConfig.parse(yaml: "training:\n  lr: 0.1\n", file: "f.yaml")
        }
    }

    @Test func stepsPerBeatInTheFileIsReportedWithItsFile() {
        #expect(throws: ConfigError(file: "f.yaml", key: "data.steps_per_beat",
                                    message: "data.steps_per_beat is not a setting: a step is always a 16th note (4 per beat, docs/ROLL-RULES.md); delete the key")) {
            _ = try FractalConfig.parse(yaml: "data:\n  steps_per_beat: 4\n", file: "f.yaml")
        }
    }

    @Test func rootMustBeAMapping() {
        #expect(throws: ConfigError(file: "f.yaml", key: "",
                                    message: "the file must be a YAML mapping of sections (model:, training:, data:, hardware:, logging:, sampling:, seed:), got [1, 2]")) {
            _ = try FractalConfig.parse(yaml: "[1, 2]\n", file: "f.yaml")
        }
    }

    @Test func inCodeConfigsAreValidatedToo() {
        var config = FractalConfig()
        config.logging.outputDir = ""
        #expect(throws: ConfigError(file: "<defaults>", key: "logging.output_dir",
                                    message: "logging.output_dir is empty; name a folder, e.g. runs/default")) {
            try config.validate()
        }
        #expect(throws: Never.self) { try FractalConfig().validate() }
    }

    @Test func runEndingDuringWarmUpIsAWarning() throws {
        let loaded = try FractalConfig.parse(yaml: "", file: "w.yaml", overrides: ["training.max_steps=10"])
        #expect(loaded.config.training.maxSteps == 10)
        #expect(loaded.warnings.map(\.description) == [
            "w.yaml: warning: training.warmup_steps 2000 is not below training.max_steps 10: the run ends during warm-up, before the learning rate reaches training.learning_rate",
        ])
        #expect(try FractalConfig().validate().isEmpty)
    }

    @Test func arLevelsNeedNoIterations() throws {
        let config = try FractalConfig.parse(yaml: "", file: "a.yaml",
                                             overrides: ["model.generator_types=[mar, ar, ar]", "sampling.num_iter_list=[32]"]).config
        #expect(config.sampling.numIterList == [32])
        let derived = try FractalConfig.parse(yaml: "", file: "a.yaml", overrides: ["model.generator_types=[ar, mar, ar]"]).config
        #expect(derived.sampling.numIterList == [16])
    }
}
