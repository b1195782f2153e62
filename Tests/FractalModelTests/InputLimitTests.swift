import Foundation
import FractalModel
import Testing

/// The size limits of a configuration (`ConfigLimits`, `YAMLInputLimits`): each value past a
/// limit is refused with a message naming the key, the value and the limit, before anything
/// computes with it.
@Suite struct InputLimitTests {
    static let limitRules: [RuleCase] = [
        RuleCase("model.embed_dim_list=[4611686018427387904, 256, 64, 32]", "model.embed_dim_list",
                 "model.embed_dim_list[0] 4611686018427387904 is above the limit of 16384; use a smaller value"),
        RuleCase("model.num_blocks_list=[12, 257, 2, 1]", "model.num_blocks_list",
                 "model.num_blocks_list[1] 257 is above the limit of 256; use a smaller value"),
        RuleCase("model.num_heads_list=[8, 8, 2048, 2]", "model.num_heads_list",
                 "model.num_heads_list[2] 2048 is above the limit of 1024; use a smaller value"),
        RuleCase("model.img_size_list=[128, 64, 32, 16, 8, 4, 2, 1, 1]", "model.img_size_list",
                 "model.img_size_list has 9 entries, more than the limit of 8 levels; e.g. [128, 16, 4, 1]"),
        RuleCase("model.num_classes=65537", "model.num_classes",
                 "model.num_classes 65537 is above the limit of 65536; use one class per style"),
        RuleCase("data.crop_length=9223372036854775792", "data.crop_length",
                 "data.crop_length 9223372036854775792 is above the limit of 65536 steps; use e.g. 256"),
        RuleCase("data.augment_factor=1000001", "data.augment_factor",
                 "data.augment_factor 1000001 is above the limit of 1000000; use 1"),
        RuleCase("training.train_batch_size=65537", "training.train_batch_size",
                 "training.train_batch_size 65537 is above the limit of 65536; use a smaller value"),
        RuleCase("training.max_steps=9223372036854775807", "training.max_steps",
                 "training.max_steps 9223372036854775807 is above the limit of 1000000000; use a smaller value"),
        RuleCase("hardware.threads=100000", "hardware.threads",
                 "hardware.threads 100000 is above the limit of 1024; use a smaller value"),
        RuleCase("logging.keep_last=4000000000", "logging.keep_last",
                 "logging.keep_last 4000000000 is above the limit of 1000000; use a smaller value"),
        RuleCase("seed=4294967296", "seed", "seed 4294967296 is above the limit of 4294967295; use a smaller value"),
        RuleCase("sampling.num_iter_list=[64, 16, 9223372036854775807]", "sampling.num_iter_list",
                 "sampling.num_iter_list[2] 9223372036854775807 is above the limit of 1000000000; use at most the level's patches"),
    ]

    @Test(arguments: limitRules)
    func limitRule(_ rule: RuleCase) { ConfigValidationTests.check(rule) }

    @Test("the largest allowed values are accepted by the limits and planned without overflow")
    func largestValuesPlan() throws {
        let loaded = try FractalConfig.parse(yaml: "", file: "big.yaml", overrides: [
            "model.embed_dim_list=[16384, 16384, 16384, 16384]", "model.num_blocks_list=[256, 256, 256, 256]",
            "model.num_heads_list=[1024, 1024, 1024, 1024]", "data.crop_length=65536", "model.num_classes=65536",
        ])
        let plan = try FractalPlan(config: loaded.config)
        #expect(plan.totalParameters > 1_000_000_000_000)
        #expect(plan.trainingFLOPs.isFinite)
    }

    @Test("lists nested deeper than the limit are refused before the YAML library reads them")
    func deepNesting() {
        for text in [String(repeating: "[", count: 100_000), "a: " + String(repeating: "[", count: 65),
                     "a: " + String(repeating: "- ", count: 70) + "x",
                     (0..<70).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n"),
                     "# a comment\r" + String(repeating: "[", count: 10_000), "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"] {
            let error = #expect(throws: ConfigError.self) { try FractalConfig.parse(yaml: text, file: "deep.yaml") }
            #expect(error?.message == "lists and mappings nest deeper than the limit of 64 levels; write a plain configuration like config/train_default.yaml")
        }
        #expect(YAMLInputLimits.depthBound(of: "model:\n  img_size_list: [128, 16, 4, 1]\n") <= 6)
    }

    @Test("an override nested deeper than the limit is refused")
    func deepOverride() {
        let error = #expect(throws: ConfigError.self) {
            try FractalConfig.parse(yaml: "", file: "f.yaml", overrides: ["model.img_size_list=" + String(repeating: "[", count: 1000)])
        }
        #expect(error?.description == "f.yaml (override model.img_size_list=\(String(repeating: "[", count: 1000))): the value of model.img_size_list: lists and mappings nest deeper than the limit of 64 levels; give a plain value")
    }

    @Test("aliases that expand past the value limit are refused")
    func aliasExpansion() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...6 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let error = #expect(throws: ConfigError.self) { try FractalConfig.parse(yaml: lines.joined(separator: "\n"), file: "bomb.yaml") }
        #expect(error?.message == "the document holds more than the limit of 100000 values (aliases count each time they are used); write a plain configuration like config/train_default.yaml")
    }

    @Test("a configuration text over 1 MiB is refused without being read whole")
    func oversizedText() throws {
        let text = "# " + String(repeating: "x", count: YAMLInputLimits.maxBytes) + "\n"
        let error = #expect(throws: ConfigError.self) { try FractalConfig.parse(yaml: text, file: "big.yaml") }
        #expect(error?.message == "1048579 bytes is above the limit of 1048576 bytes for a configuration; write a plain configuration like config/train_default.yaml")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fractalmidi-big-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fileError = #expect(throws: ConfigError.self) { try FractalConfig.load(contentsOf: url) }
        #expect(fileError?.message == "1048579 bytes is above the limit of 1048576 bytes for a configuration; check the path (e.g. config/train_default.yaml)")
    }

    @Test("keys that are empty or only a dot are unknown keys, not a crash (found by fuzz-config)")
    func emptyKeys() {
        for (text, key) in [("?\n", ""), (".: 1\n", "."), ("model:\n  \"\": 1\n", "model.")] {
            let error = #expect(throws: ConfigError.self) { try FractalConfig.parse(yaml: text, file: "k.yaml") }
            #expect(error?.key == key)
            #expect(error?.message.contains("is not a configuration key") == true, "\(String(describing: error))")
        }
    }

    @Test("default iterations of a hierarchy with a huge patch side are left to the validator (found by fuzz-config)")
    func hugePatchSideWithoutIterations() {
        for overrides in [["model.img_size_list=[128, 161111111111111111, 4, 1]"],
                          ["data.crop_length=9223372036854775807"]] {
            #expect(throws: ConfigError.self) { try FractalConfig.parse(yaml: "", file: "h.yaml", overrides: overrides) }
        }
    }
}
