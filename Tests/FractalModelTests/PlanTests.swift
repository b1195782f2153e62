import Foundation
import Testing
import FractalModel

/// The plan's numbers against hand formulas written out here independently of the plan code.
@Suite struct PlanTests {
    static func shipped(_ name: String) throws -> FractalConfig {
        try FractalConfig.load(contentsOf: ConfigLoadingTests.shippedURL(name)).config
    }

    /// Parameters of the model as the inventory in `FractalPlan`'s documentation
    /// lists them, counted tensor by tensor.
    static func handParameterCount(_ config: FractalConfig, width: Int) -> Int {
        let m = config.model
        let n = m.imgSizeList.count
        func block(_ d: Int) -> Int {
            let norms = 2 * (d + d)
            let qkv = d * 3 * d + 3 * d
            let projection = d * d + d
            let mlp = (d * 4 * d + 4 * d) + (4 * d * d + d)
            return norms + qkv + projection + mlp
        }
        var total = 0
        for k in 0..<(n - 1) {
            let d = m.embedDimList[k]
            let p = m.imgSizeList[k + 1]
            let rows = m.imgSizeList[k] / p
            let cols = (k == 0 ? width : m.imgSizeList[k]) / p
            let conditions = k == 0 ? 1 : (m.generatorTypes[k - 1] == .mar ? 5 : 1)
            let conditionWidth = k == 0 ? d : m.embedDimList[k - 1]
            if k == 0 { total += (m.numClasses + 1) * d }
            total += 3 * p * p * d + d                          // patch embedding
            total += conditions * (conditionWidth * d + d)      // one projection per condition
            if m.generatorTypes[k] == .mar { total += d }       // mask token
            total += (conditions + rows * cols) * d             // positions
            if k > 0 && m.pitchEmbedding { total += 128 / p * d } // one row per pitch band
            total += m.numBlocksList[k] * block(d)
            total += 2 * d                                      // final norm
        }
        let h = m.embedDimList[n - 1]
        total += m.embedDimList[n - 2] * h + h                  // condition projection
        total += 3 * h + m.velocityBins * h                     // state and velocity embeddings (tied outputs)
        total += 2 * h                                          // positions
        total += m.numBlocksList[n - 1] * block(h) + 2 * h
        return total
    }

    /// The mean of Normal(loc, scale) truncated to [0, 1] by Simpson's rule.
    static func integratedTruncatedMean(loc: Double, scale: Double) -> Double {
        let steps = 20_000
        let h = 1.0 / Double(steps)
        var mass = 0.0, moment = 0.0
        for i in 0...steps {
            let x = Double(i) * h
            let weight: Double = (i == 0 || i == steps) ? 1 : (i % 2 == 1 ? 4 : 2)
            let density = exp(-0.5 * pow((x - loc) / scale, 2))
            mass += weight * density
            moment += weight * x * density
        }
        return moment / mass
    }

    @Test func defaultPlanHasTheDesignGrids() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"), width: 512)
        #expect(plan.levels.count == 3)
        #expect(plan.levels.map(\.tokens) == [256, 16, 16])
        #expect(plan.levels.map(\.gridRows) == [8, 4, 4])
        #expect(plan.levels.map(\.gridCols) == [32, 4, 4])
        #expect(plan.levels.map(\.patch) == [16, 4, 1])
        #expect(plan.levels.map(\.conditionTokens) == [1, 5, 5])
        #expect(plan.levels.map(\.sequenceLength) == [257, 21, 21])
        #expect(plan.levels[0].attentionEntries == 257 * 257)
        #expect(plan.levels[0].inputRows == 128 && plan.levels[0].inputCols == 512)
        #expect(plan.levels[1].inputRows == 16 && plan.levels[1].inputCols == 16)
        #expect(plan.head.samplingCells == 128 * 512)
    }

    @Test func widthChangesOnlyLevelZerosGrid() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"), width: 256)
        #expect(plan.width == 256)
        #expect(plan.levels[0].gridRows == 8 && plan.levels[0].gridCols == 16)
        #expect(plan.levels.map(\.tokens) == [128, 16, 16])
    }

    @Test(arguments: [(1.0, 0.25), (1.0, 0.5), (0.7, 0.3), (0.5, 1.0)])
    func handDownFractionIsTheTruncatedMean(loc: Double, scale: Double) throws {
        let expected = Self.integratedTruncatedMean(loc: loc, scale: scale)
        #expect(abs(truncatedNormalMean(loc: loc, scale: scale, lower: 0, upper: 1) - expected) < 1e-9)
        let config = try FractalConfig.parse(yaml: "", file: "a.yaml",
                                             overrides: ["model.mask_ratio_loc=\(loc)", "model.mask_ratio_scale=\(scale)"]).config
        let plan = try FractalPlan(config: config)
        for level in plan.levels {
            #expect(abs(level.handDownFraction - expected) < 1e-9)
        }
    }

    @Test func defaultHandDownIsAboutEightyPercent() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"))
        let fraction = plan.levels[0].handDownFraction
        #expect(abs(fraction - 0.8006) < 1e-4)
        #expect(plan.levels[1].trainingItems == 256 * fraction)
        #expect(abs(plan.levels[2].trainingItems - 256 * fraction * 16 * fraction) < 1e-9)
        #expect(abs(plan.head.trainingCells - 256 * fraction * 16 * fraction * 16 * fraction) < 1e-6)
    }

    @Test(arguments: ConfigLoadingTests.shipped)
    func parameterTotalsMatchTheHandCount(name: String) throws {
        let config = try Self.shipped(name)
        let plan = try FractalPlan(config: config)
        #expect(plan.totalParameters == Self.handParameterCount(config, width: config.data.cropLength))
    }

    @Test func parameterTotalsFollowTheWidthAndTheGeneratorTypes() throws {
        var config = try Self.shipped("train_default")
        config.model.generatorTypes = [.ar, .mar, .ar]
        config.sampling.numIterList = [16]
        config.model.numClasses = 9
        config.model.velocityBins = 127
        let plan = try FractalPlan(config: config, width: 1024)
        #expect(plan.levels.map(\.conditionTokens) == [1, 1, 5])
        #expect(plan.totalParameters == Self.handParameterCount(config, width: 1024))
    }

    @Test func defaultPlanParameterGroupsAddUp() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"))
        let level0 = plan.levels[0]
        #expect(level0.parameterGroups.map(\.name) == ["class_embedding", "patch_embed", "cond_proj", "mask_token", "pos_embed", "blocks", "norm"])
        #expect(level0.parameterGroups.first { $0.name == "pos_embed" }?.count == 257 * 512)
        #expect(level0.parameterGroups.first { $0.name == "patch_embed" }?.count == 3 * 16 * 16 * 512 + 512)
        #expect(plan.head.parameterGroups.map(\.name) == ["cond_proj", "state_embedding", "velocity_embedding", "pos_embed", "blocks", "norm"])
        #expect(plan.totalParameters == plan.levels.map(\.parameters).reduce(0, +) + plan.head.parameters)
    }

    @Test func smallPlanIsAutoregressiveThroughout() throws {
        let config = try Self.shipped("train_small")
        let plan = try FractalPlan(config: config)
        #expect(plan.width == 256)
        #expect(plan.levels.map(\.tokens) == [128, 16, 16])
        #expect(plan.levels[0].gridRows == 8 && plan.levels[0].gridCols == 16)
        #expect(plan.levels.map(\.conditionTokens) == [1, 1, 1])
        #expect(plan.levels.map(\.handDownFraction) == [1, 1, 1])
        #expect(plan.levels.map(\.trainingItems) == [1, 128, 2048])
        #expect(plan.head.trainingCells == 128 * 256)
        #expect(!plan.levels[0].parameterGroups.map(\.name).contains("mask_token"))
    }

    @Test func levelFLOPsFollowTheBlockFormula() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"))
        let level0 = plan.levels[0]
        let (t, d) = (257.0, 512.0)
        let embedding = 2 * 256 * 768 * d + 2 * 1 * d * d
        let blocks = 12 * (24 * t * d * d + 4 * t * t * d)
        #expect(level0.itemForwardFLOPs == embedding + blocks)
        #expect(level0.trainingForwardFLOPs == embedding + blocks)
        #expect(level0.samplingFLOPs == 64 * (embedding + blocks))
        let level1 = plan.levels[1]
        #expect(level1.trainingForwardFLOPs == level1.trainingItems * level1.itemForwardFLOPs)
        #expect(level1.samplingFLOPs == 256 * 16 * level1.itemForwardFLOPs)
        #expect(plan.trainingFLOPs == 3 * plan.trainingForwardFLOPs)
        let head = plan.head
        let (h, c) = (64.0, 128.0)
        #expect(head.cellForwardFLOPs == 2 * c * h + (24 * 2 * h * h + 4 * 4 * h) + 2 * h * (3 + 32))
    }

    @Test func arSamplingUsesTheCache() throws {
        let plan = try FractalPlan(config: Self.shipped("train_small"))
        let level0 = plan.levels[0]
        let (d, inputs) = (256.0, 128.0)   // 1 condition + 128 patches, the last patch never fed
        let expected = 2 * 127 * 768 * d + 2 * d * d + 8 * (24 * inputs * d * d + 2 * inputs * (inputs + 1) * d)
        #expect(level0.samplingFLOPs == expected)
        #expect(level0.samplingFLOPs < level0.itemForwardFLOPs)
    }

    @Test func guidanceDoublesSampling() throws {
        let config = try Self.shipped("train_default")
        var guided = config
        guided.sampling.cfg = 3
        let (plain, doubled) = (try FractalPlan(config: config), try FractalPlan(config: guided))
        #expect(doubled.samplingFLOPs == 2 * plain.samplingFLOPs)
        #expect(doubled.trainingFLOPs == plain.trainingFLOPs)
    }

    @Test func planRejectsAWidthThatDoesNotFit() throws {
        #expect(throws: PlanError("width 500 is not a multiple of the level-0 patch 16; use 496 or 512")) {
            _ = try FractalPlan(config: Self.shipped("train_default"), width: 500)
        }
    }

    @Test func narrowWidthCapsLevelZeroIterations() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"), width: 32)
        #expect(plan.levels[0].tokens == 16)
        #expect(plan.levels[0].iterations == 16)
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(plan.json().utf8)) as? [String: Any])
        #expect(object["total_params"] as? Int == plan.totalParameters)
        #expect(object["head_params"] as? Int == plan.head.parameters)
        let levels = try #require(object["levels"] as? [[String: Any]])
        #expect(levels.count == 3)
        for key in ["level", "patch", "grid", "tokens", "cond_tokens", "params", "train_gflops", "sample_gflops"] {
            #expect(levels[0][key] != nil, "missing \(key)")
        }
        #expect(levels[0]["grid"] as? [Int] == [8, 32])
        #expect(levels[0]["tokens"] as? Int == 256)
        #expect(levels[1]["cond_tokens"] as? Int == 5)
    }

    @Test func tableNamesEveryLevelAndTheTotal() throws {
        let plan = try FractalPlan(config: Self.shipped("train_default"))
        let table = plan.table(title: "default")
        let lines = table.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("0 ") && $0.contains("8×32") })
        #expect(lines.contains { $0.hasPrefix("head") })
        #expect(lines.contains { $0.hasPrefix("total") && $0.contains("\(plan.totalParameters)") })
    }
}

@Suite struct PatchSizeComparisonTests {
    @Test func derivedHierarchiesFollowTheRule() {
        let sides = [128, 16, 4, 1]
        #expect(PatchHierarchy.derive(leafPatch: 2, like: sides) == [128, 8, 2, 1])
        #expect(PatchHierarchy.derive(leafPatch: 4, like: sides) == sides)
        #expect(PatchHierarchy.derive(leafPatch: 8, like: sides) == [128, 32, 8, 1])
        #expect(PatchHierarchy.derive(leafPatch: 16, like: sides) == [128, 64, 16, 1])
        #expect(PatchHierarchy.derive(leafPatch: 32, like: sides) == nil)
        #expect(PatchHierarchy.derive(leafPatch: 3, like: sides) == nil)
        #expect(PatchHierarchy.derive(leafPatch: 1, like: sides) == nil)
        #expect(PatchHierarchy.derive(leafPatch: 8, like: [128, 32, 16, 4, 1]) == [128, 64, 32, 8, 1])
        #expect(PatchHierarchy.derive(leafPatch: 32, like: [128, 16, 1]) == [128, 32, 1])
    }

    @Test(arguments: [2, 4, 8, 16])
    func everyDerivedHierarchyIsAValidConfig(patch: Int) throws {
        let config = try PlanTests.shipped("train_default")
        let comparison = try PatchSizeComparison(config: config, patchSizes: [patch])
        let option = try #require(comparison.options.first)
        var variant = config
        variant.model.imgSizeList = option.imgSizeList
        variant.model.patchSize = patch
        variant.sampling.numIterList = option.plan.levels.filter { $0.type == .mar }.map(\.iterations)
        try variant.validate()
        #expect(option.imgSizeList[option.imgSizeList.count - 2] == patch)
        #expect(option.plan.totalParameters == PlanTests.handParameterCount(variant, width: 512))
        #expect(option.leafSemitones == patch)
        #expect(option.leafSixteenths == Double(patch))
        // Every level below 0 keeps the config's grid, except the leaf level, which sees patch × patch cells.
        #expect(option.plan.levels[1].tokens == 16)
        #expect(option.plan.levels[2].tokens == patch * patch)
        #expect(option.plan.levels[0].tokens == (128 / (4 * patch)) * (512 / (4 * patch)))
    }

    @Test func theConfigsOwnPatchSizeIsTheYardstick() throws {
        let comparison = try PatchSizeComparison(config: PlanTests.shipped("train_default"), patchSizes: [2, 4, 8, 16])
        #expect(comparison.options.map(\.patchSize) == [2, 4, 8, 16])
        let own = comparison.options[1]
        #expect(own.parameterRatio == 1 && own.trainingFLOPsRatio == 1 && own.samplingFLOPsRatio == 1)
        #expect(own.plan == comparison.baseline)
        // Smaller leaf patches mean more level-0 tokens and more attention memory.
        #expect(comparison.options[0].plan.levels[0].tokens == 1024)
        #expect(comparison.options[0].plan.attentionBytes > own.plan.attentionBytes)
        #expect(comparison.options[0].trainingFLOPsRatio > 1)
    }

    @Test func leafResolutionIsInSixteenths() throws {
        let comparison = try PatchSizeComparison(config: PlanTests.shipped("train_default"), patchSizes: [2, 4])
        #expect(comparison.options.map(\.leafSixteenths) == [2, 4])
    }

    @Test func impossiblePatchSizeIsOneLineError() throws {
        #expect(throws: PlanError("patch size 32 has no hierarchy like [128, 16, 4, 1] (keeping its inner levels, it must be a power of two from 2 to 16); choose another patch size")) {
            _ = try PatchSizeComparison(config: PlanTests.shipped("train_default"), patchSizes: [32])
        }
    }

    @Test func widthMustFitEveryHierarchy() throws {
        #expect(throws: PlanError("width 48 is not a multiple of the level-0 patch 64 of the hierarchy [128, 64, 16, 1] for patch size 16; use --width 64")) {
            _ = try PatchSizeComparison(config: PlanTests.shipped("train_default"), width: 48, patchSizes: [4, 16])
        }
    }

    @Test func variantIsTheConfigWithTheDerivedHierarchy() throws {
        let config = try PlanTests.shipped("train_cpu")
        let variant = try PatchHierarchy.variant(of: config, leafPatch: 8, width: 128)
        #expect(variant.model.imgSizeList == [128, 32, 8, 1])
        #expect(variant.model.patchSize == 8)
        #expect(variant.data.cropLength == 128)
        #expect(variant.model.embedDimList == config.model.embedDimList)
        #expect(variant.model.numBlocksList == config.model.numBlocksList)
        // Level 0 has (128 / 32) × (128 / 32) = 16 tokens: its 64 iterations are capped there.
        #expect(variant.sampling.numIterList == [16, 16, 16])
        _ = try variant.validate()
        let option = try PatchSizeOption(patchSize: 8, config: config, baseline: FractalPlan(config: config))
        #expect(option.plan == (try FractalPlan(config: variant)))
        #expect(throws: PlanError("patch size 64 has no hierarchy like [128, 16, 4, 1] (keeping its inner levels, it must be a power of two from 2 to 16); choose another patch size")) {
            _ = try PatchHierarchy.variant(of: config, leafPatch: 64, width: 128)
        }
    }

    @Test(arguments: [2, 4, 8, 16])
    func patchSizeConfigsAreTheStudysArms(patch: Int) throws {
        let loaded = try FractalConfig.load(contentsOf: ConfigLoadingTests.shippedURL("patch_size_\(patch)"))
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let arm = try PatchHierarchy.variant(of: PlanTests.shipped("train_cpu"), leafPatch: patch, width: 128)
        let config = loaded.config
        #expect(config.model == arm.model)
        #expect(config.sampling == arm.sampling)
        #expect(config.training == arm.training)
        #expect(config.data == arm.data)
        #expect(config.seed == arm.seed)
    }

    @Test func comparisonJSONListsEveryOption() throws {
        let comparison = try PatchSizeComparison(config: PlanTests.shipped("train_default"), patchSizes: [2, 8])
        let object = try #require(JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) as? [String: Any])
        let options = try #require(object["options"] as? [[String: Any]])
        #expect(options.map { $0["patch"] as? Int } == [2, 8])
        #expect(options[1]["img_size_list"] as? [Int] == [128, 32, 8, 1])
        #expect(options[1]["tokens"] as? [Int] == [64, 16, 64])
    }
}
