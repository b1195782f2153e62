import Foundation
import Testing
import TestSupport
import FractalModel

/// The shipped configs, the reference project's layout, and command-line overrides.
@Suite struct ConfigLoadingTests {
    static let shipped = ["train_default", "train_small", "train_tiny", "train_cpu", "bench_small_mar"]

    static func shippedURL(_ name: String) -> URL {
        SharedData.repositoryRoot.appendingPathComponent("config/\(name).yaml")
    }

    @Test(arguments: shipped)
    func shippedConfigLoadsWithoutWarnings(name: String) throws {
        let loaded = try FractalConfig.load(contentsOf: Self.shippedURL(name))
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let model = loaded.config.model
        #expect(model.imgSizeList == [128, 16, 4, 1])
        #expect(model.patchSize == 4)
        #expect(model.velocityBins == 32)
        #expect(model.generatorTypes.count == 3)
    }

    @Test func defaultConfigHasTheReferenceDefaultShape() throws {
        let config = try FractalConfig.load(contentsOf: Self.shippedURL("train_default")).config
        #expect(config.model.embedDimList == [512, 256, 128, 64])
        #expect(config.model.numBlocksList == [12, 3, 2, 1])
        #expect(config.model.numHeadsList == [8, 4, 2, 2])
        #expect(config.model.generatorTypes == [.mar, .mar, .mar])
        #expect(config.model.numConds == 5)
        #expect(config.data.cropLength == 512)
        #expect(config.training.gradClip == 3.0)
        #expect(config.model.labelDropProb == 0.1)
        #expect(config.seed == 42)
        // The file states the in-code defaults, so a config without model keys is the same model.
        #expect(config.model == ModelConfig())
    }

    @Test func smallConfigHasTheReferenceSmallShape() throws {
        let config = try FractalConfig.load(contentsOf: Self.shippedURL("train_small")).config
        #expect(config.model.embedDimList == [256, 256, 128, 64])
        #expect(config.model.numBlocksList == [8, 4, 2, 1])
        #expect(config.model.numHeadsList == [4, 2, 1, 1])
        #expect(config.model.generatorTypes == [.ar, .ar, .ar])
        #expect(config.model.scanOrder == .columnMajor)
        #expect(config.data.cropLength == 256)
        #expect(config.sampling.numIterList.isEmpty)
    }

    /// A config in the reference project's layout (its train_default.yaml keys and values).
    static let referenceLayout = """
        model:
          piano_roll_height: 128
          patch_size: 4
          velocity_vocab_size: 256
          img_size_list: [128, 16, 4, 1]
          embed_dim_list: [512, 256, 128, 64]
          num_blocks_list: [12, 3, 2, 1]
          num_heads_list: [8, 4, 2, 2]
          attn_dropout: 0.0
          proj_dropout: 0.0
          init_std: 0.02
          generator_types: [mar, mar, mar, mar]
          scan_order: row_major
          mask_ratio_loc: 1.0
          mask_ratio_scale: 0.5
          num_conds: 5
          grad_checkpointing: true
          v_weight: 1.0
        training:
          max_steps: 50000
          learning_rate: 1.0e-4
          weight_decay: 0.05
          warmup_steps: 2000
          grad_clip: 3.0
          accumulate_grad_batches: 16
          train_batch_size: 16
          val_batch_size: 4
        data:
          train_data: dataset/train.txt
          val_data: dataset/valid.txt
          crop_length: 512
          augment_factor: 5
          pitch_shift_min: -12
          pitch_shift_max: 12
          cache_in_memory: true
          cache_dir: null
        hardware:
          devices: [0, 1]
          num_workers: 4
          prefetch_factor: 2
          persistent_workers: true
          pin_memory: true
          precision: "32"
        logging:
          output_dir: outputs/fractalgen_all_mar
          log_every_n_steps: 50
          val_check_interval_steps: 10000
          checkpoint_every_n_steps: 10000
          save_top_k: 3
          log_images_every_n_steps: 10000
          num_images_to_log: 4
        seed: 42
        fast_dev_run: false
        """

    @Test func referenceLayoutLoadsWithOneWarningPerInapplicableKey() throws {
        let loaded = try FractalConfig.parse(yaml: Self.referenceLayout, file: "ref.yaml")
        let config = loaded.config
        #expect(config.model.generatorTypes == [.mar, .mar, .mar])
        #expect(config.model.velocityBins == 127)
        #expect(config.model.maskRatioScale == 0.5)
        #expect(config.training.accumulateGradBatches == 16)
        #expect(config.data.trainData == "dataset/train.txt")
        #expect(config.data.cacheDir == nil)
        #expect(config.data.augmentFactor == 5)
        #expect(config.logging.outputDir == "outputs/fractalgen_all_mar")
        #expect(config.logging.numImagesToLog == 4)
        #expect(loaded.warnings.map(\.key) == [
            "model.generator_types", "model.velocity_vocab_size", "model.grad_checkpointing",
            "hardware.devices", "hardware.num_workers", "hardware.prefetch_factor",
            "hardware.persistent_workers", "hardware.pin_memory", "logging.save_top_k",
        ])
        #expect(loaded.warnings.map(\.description) == [
            "ref.yaml: warning: model.generator_types has 4 entries for 3 generator levels; the last entry (mar) is unused because the last img_size_list level is the head",
            "ref.yaml: warning: model.velocity_vocab_size 256 is read as velocity_bins and capped at 127 (MIDI velocities are 1…127)",
            "ref.yaml: warning: model.grad_checkpointing true does not apply: the engine keeps every activation for the backward pass (`fractalmidi plan` shows how much)",
            "ref.yaml: warning: hardware.devices [0, 1] does not apply: FractalMIDI computes on the CPU; hardware.threads sets the compute threads",
            "ref.yaml: warning: hardware.num_workers 4 does not apply: music is decoded once into the cache and cropped in-process; hardware.threads sets the compute threads",
            "ref.yaml: warning: hardware.prefetch_factor 2 does not apply: there are no data-loader worker processes to prefetch",
            "ref.yaml: warning: hardware.persistent_workers true does not apply: there are no data-loader worker processes",
            "ref.yaml: warning: hardware.pin_memory true does not apply: there is no GPU to copy batches to",
            "ref.yaml: warning: logging.save_top_k 3 does not apply: checkpoints are not ranked; logging.keep_last (3) sets how many recent ones are kept",
        ])
    }

    @Test func referenceSmallLayoutLoads() throws {
        let small = Self.referenceLayout
            .replacingOccurrences(of: "velocity_vocab_size: 256", with: "velocity_vocab_size: 32")
            .replacingOccurrences(of: "embed_dim_list: [512, 256, 128, 64]", with: "embed_dim_list: [256, 256, 128, 64]")
            .replacingOccurrences(of: "num_blocks_list: [12, 3, 2, 1]", with: "num_blocks_list: [8, 4, 2, 1]")
            .replacingOccurrences(of: "num_heads_list: [8, 4, 2, 2]", with: "num_heads_list: [4, 2, 1, 1]")
            .replacingOccurrences(of: "generator_types: [mar, mar, mar, mar]", with: "generator_types: [ar, ar, ar, ar]")
            .replacingOccurrences(of: "scan_order: row_major", with: "scan_order: column_major")
            .replacingOccurrences(of: "crop_length: 512", with: "crop_length: 256")
        let loaded = try FractalConfig.parse(yaml: small, file: "small.yaml")
        #expect(loaded.config.model.generatorTypes == [.ar, .ar, .ar])
        #expect(loaded.config.model.scanOrder == .columnMajor)
        #expect(loaded.config.model.velocityBins == 32)
        #expect(loaded.config.sampling.numIterList.isEmpty)
        #expect(!loaded.warnings.map(\.key).contains("model.velocity_vocab_size"))
    }

    @Test func inapplicableValuesWarnOnlyWhenTheyAskForSomethingElse() throws {
        let quiet = try FractalConfig.parse(
            yaml: "hardware:\n  precision: \"32\"\ndata:\n  cache_in_memory: true\nfast_dev_run: false\nmodel:\n  grad_checkpointing: false\n",
            file: "a.yaml")
        #expect(quiet.warnings.isEmpty)
        let loud = try FractalConfig.parse(yaml: "hardware:\n  precision: bf16\ndata:\n  cache_in_memory: false\nfast_dev_run: true\n", file: "a.yaml")
        #expect(loud.warnings.map(\.description) == [
            "a.yaml: warning: data.cache_in_memory false does not apply: decoded rolls are always held in memory (and cached on disk in data.cache_dir)",
            "a.yaml: warning: hardware.precision bf16 does not apply: the engine computes in 32-bit floats only",
            "a.yaml: warning: fast_dev_run true does not apply here; for a quick check override training.max_steps=1",
        ])
    }

    @Test func velocityBinsAndVocabularyMustAgree() throws {
        let agreeing = try FractalConfig.parse(yaml: "model:\n  velocity_bins: 127\n  velocity_vocab_size: 256\n", file: "a.yaml")
        #expect(agreeing.config.model.velocityBins == 127)
        #expect(throws: ConfigError(file: "a.yaml", key: "model.velocity_vocab_size",
                                    message: "model.velocity_vocab_size 32 contradicts model.velocity_bins 16 (the reference's velocity_vocab_size is read as velocity_bins); keep only velocity_bins")) {
            _ = try FractalConfig.parse(yaml: "model:\n  velocity_bins: 16\n  velocity_vocab_size: 32\n", file: "a.yaml")
        }
    }

    @Test func pitchEmbeddingIsASwitch() throws {
        #expect(FractalConfig().model.pitchEmbedding == false)
        #expect(try FractalConfig.parse(yaml: "model:\n  pitch_embedding: true\n", file: "a.yaml").config.model.pitchEmbedding)
        #expect(throws: ConfigError(file: "a.yaml", key: "model.pitch_embedding",
                                    message: "model.pitch_embedding 3 is not true or false; write e.g. pitch_embedding: false")) {
            _ = try FractalConfig.parse(yaml: "model:\n  pitch_embedding: 3\n", file: "a.yaml")
        }
    }

    @Test func emptyFileGivesTheDefaults() throws {
        let loaded = try FractalConfig.parse(yaml: "", file: "empty.yaml")
        #expect(loaded.config == FractalConfig())
        #expect(loaded.warnings.isEmpty)
        let emptySection = try FractalConfig.parse(yaml: "logging:\n", file: "empty.yaml")
        #expect(emptySection.config == FractalConfig())
    }

    @Test func derivedDefaultsFollowTheHierarchy() throws {
        let config = try FractalConfig.parse(yaml: """
            model:
              img_size_list: [128, 32, 8, 1]
            data:
              crop_length: 64
            """, file: "d.yaml").config
        #expect(config.model.patchSize == 8)
        #expect(config.model.generatorTypes == [.mar, .mar, .mar])
        // Level 0 has 4 × 2 = 8 patches, level 1 4 × 4 = 16, level 2 8 × 8 = 64 (capped at 16).
        #expect(config.sampling.numIterList == [8, 16, 16])
    }

    @Test func overridesReplaceFileValues() throws {
        let config = try FractalConfig.load(
            contentsOf: Self.shippedURL("train_default"),
            overrides: ["training.max_steps=10", "training.warmup_steps=2", "model.generator_types=[ar, mar, ar]", "data.train_data=/tmp/x.txt",
                        "sampling.num_iter_list=[8]", "seed=7", "sampling.cfg=2.5", "data.val_data=null"]).config
        #expect(config.training.maxSteps == 10)
        #expect(config.model.generatorTypes == [.ar, .mar, .ar])
        #expect(config.data.trainData == "/tmp/x.txt")
        #expect(config.data.valData == nil)
        #expect(config.sampling.numIterList == [8])
        #expect(config.seed == 7)
        #expect(config.sampling.cfg == 2.5)
    }

    @Test func laterOverrideWins() throws {
        let config = try FractalConfig.parse(yaml: "", file: "a.yaml", overrides: ["training.max_steps=10", "training.max_steps=20", "training.warmup_steps=0"]).config
        #expect(config.training.maxSteps == 20)
    }

    @Test func overrideAddsAKeyTheFileLacks() throws {
        let config = try FractalConfig.parse(yaml: "training:\n  max_steps: 5\n", file: "a.yaml", overrides: ["logging.keep_last=9", "training.warmup_steps=1"]).config
        #expect(config.training.maxSteps == 5)
        #expect(config.logging.keepLast == 9)
    }

    @Test func overridesAreValidatedAndNamedInTheMessage() {
        #expect(throws: ConfigError(file: "a.yaml", override: "training.max_steps=0", key: "training.max_steps",
                                    message: "training.max_steps 0 must be at least 1")) {
            _ = try FractalConfig.parse(yaml: "training:\n  max_steps: 5\n", file: "a.yaml", overrides: ["training.max_steps=0"])
        }
        let error = ConfigError(file: "a.yaml", override: "training.max_steps=0", key: "training.max_steps",
                                message: "training.max_steps 0 must be at least 1")
        #expect(error.description == "a.yaml (override training.max_steps=0): training.max_steps 0 must be at least 1")
    }

    @Test func fileValueErrorsDoNotNameAnOverride() {
        #expect(throws: ConfigError(file: "a.yaml", key: "training.max_steps", message: "training.max_steps 0 must be at least 1")) {
            _ = try FractalConfig.parse(yaml: "training:\n  max_steps: 0\n", file: "a.yaml", overrides: ["seed=3"])
        }
    }

    @Test func missingFileIsNamed() {
        let url = URL(fileURLWithPath: "config/does_not_exist.yaml")
        #expect(throws: ConfigError(file: "config/does_not_exist.yaml", key: "",
                                    message: "the configuration file does not exist; check the path (e.g. config/train_default.yaml)")) {
            _ = try FractalConfig.load(contentsOf: url)
        }
    }

    @Test func yamlSyntaxErrorNamesTheLine() {
        do {
            _ = try FractalConfig.parse(yaml: "model:\n  img_size_list: [128, 16\ntraining:\n", file: "bad.yaml")
            Issue.record("a syntax error was accepted")
        } catch {
            #expect(error.description.hasPrefix("bad.yaml: not valid YAML ("))
            #expect(error.description.contains("line"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func configValuesAreValueTypes() {
        var a = FractalConfig()
        let b = a
        a.model.embedDimList[0] = 8
        #expect(b.model.embedDimList[0] == 512)
    }
}
