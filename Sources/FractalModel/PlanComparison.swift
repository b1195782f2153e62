import PianoRoll

/// How `fractalmidi plan --patch-sizes` builds a hierarchy for another leaf patch size.
///
/// The rule: keep the config's number of levels and the ratios between the sizes of
/// levels 1 … n−2 (so every level below 0 sees the same grid of patches as before), put
/// the new leaf patch p at `img_size_list[-2]` and the cell 1 last, and let level 0 take
/// whatever ratio is left: [128, p·r₁·…·r_{n−3}, …, p·r_{n−3}, p, 1]. Widths, depths and heads
/// stay as configured. For the default [128, 16, 4, 1]: p = 2 → [128, 8, 2, 1],
/// p = 4 → [128, 16, 4, 1], p = 8 → [128, 32, 8, 1], p = 16 → [128, 64, 16, 1].
public enum PatchHierarchy {
    /// The hierarchy with leaf patch `leafPatch` derived from `sides` by the rule above, or
    /// nil when there is none (the patch is not a power of two, or leaves level 0 no patch
    /// smaller than the roll).
    public static func derive(leafPatch: Int, like sides: [Int]) -> [Int]? {
        guard sides.count >= 3, leafPatch >= 2, leafPatch < 128, 128 % leafPatch == 0 else { return nil }
        var derived = Array(repeating: 1, count: sides.count)
        derived[0] = 128
        derived[sides.count - 2] = leafPatch
        var index = sides.count - 3
        while index >= 1 {
            guard sides[index + 1] > 0, sides[index] % sides[index + 1] == 0 else { return nil }
            derived[index] = derived[index + 1] * (sides[index] / sides[index + 1])
            index -= 1
        }
        guard derived[1] < 128, 128 % derived[1] == 0 else { return nil }
        return derived
    }

    /// `config` with the leaf patch `leafPatch`: the hierarchy derived by the rule above,
    /// `patch_size`, `crop_length` = `width`, and each MAR level's sampling iterations capped at
    /// its token count. Widths, depths, heads and every other setting stay as configured.
    ///
    /// - Throws: `PlanError` naming the patch size, the reason and a fix when the rule gives no
    ///   hierarchy or `width` is not a multiple of the hierarchy's level-0 patch.
    public static func variant(of config: FractalConfig, leafPatch patch: Int, width: Int) throws(PlanError) -> FractalConfig {
        let sides = config.model.imgSizeList
        guard let derived = derive(leafPatch: patch, like: sides) else {
            let largest = largestLeafPatch(like: sides).map { " from 2 to \($0)" } ?? ""
            throw PlanError("patch size \(patch) has no hierarchy like \(sides.yamlText) (keeping its inner levels, it must be a power of two\(largest)); choose another patch size")
        }
        if width % derived[1] != 0 {
            let below = width / derived[1] * derived[1]
            throw PlanError("width \(width) is not a multiple of the level-0 patch \(derived[1]) of the hierarchy \(derived.yamlText) for patch size \(patch); use --width \(below >= derived[1] ? "\(below) or " : "")\(below + derived[1])")
        }
        var variant = config
        variant.model.imgSizeList = derived
        variant.model.patchSize = patch
        variant.data.cropLength = width
        variant.sampling.numIterList = variant.sampling.cappedIterations(model: variant.model, cropLength: width)
        return variant
    }

    /// The largest leaf patch the rule accepts for `sides`.
    static func largestLeafPatch(like sides: [Int]) -> Int? {
        [64, 32, 16, 8, 4, 2].first { derive(leafPatch: $0, like: sides) != nil }
    }
}

/// The cost of one leaf patch size next to the config's own (`fractalmidi plan --patch-sizes`).
public struct PatchSizeOption: Sendable, Equatable {
    /// The leaf patch side (`patch_size`).
    public let patchSize: Int
    /// The hierarchy derived by `PatchHierarchy`.
    public let imgSizeList: [Int]
    /// The plan of that hierarchy.
    public let plan: FractalPlan
    /// Parameters relative to the config's own model.
    public let parameterRatio: Double
    /// Training FLOPs relative to the config's own model.
    public let trainingFLOPsRatio: Double
    /// Sampling FLOPs relative to the config's own model.
    public let samplingFLOPsRatio: Double
    /// Pitch extent of a leaf patch, in semitones.
    public let leafSemitones: Int
    /// Time extent of a leaf patch, in 16th notes.
    public let leafSixteenths: Double
}

extension PatchSizeOption {
    /// The leaf patch `patchSize` for `config`, costed against `baseline` (the config's own
    /// plan, whose width the hierarchy is built for).
    ///
    /// - Throws: `PlanError` when the patch size has no valid hierarchy or the width does not
    ///   fit it (``PatchHierarchy/variant(of:leafPatch:width:)``).
    public init(patchSize: Int, config: FractalConfig, baseline: FractalPlan) throws(PlanError) {
        let variant = try PatchHierarchy.variant(of: config, leafPatch: patchSize, width: baseline.width)
        let plan = try FractalPlan(config: variant)
        self.init(patchSize: patchSize, imgSizeList: variant.model.imgSizeList, plan: plan,
                  parameterRatio: Double(plan.totalParameters) / Double(baseline.totalParameters),
                  trainingFLOPsRatio: plan.trainingFLOPs / baseline.trainingFLOPs,
                  samplingFLOPsRatio: plan.samplingFLOPs / baseline.samplingFLOPs,
                  leafSemitones: patchSize,
                  leafSixteenths: Double(patchSize) * 4 / Double(PianoRoll.stepsPerBeat))
    }
}

/// The patch-size trade-off of a config: for each leaf patch size, a valid hierarchy and
/// its tokens, parameters, FLOPs and attention memory next to the config's own.
public struct PatchSizeComparison: Sendable, Equatable {
    /// The config's own plan, the yardstick of the ratios.
    public let baseline: FractalPlan
    /// One entry per requested patch size, in the order asked.
    public let options: [PatchSizeOption]

    /// Compares the leaf patch sizes `patchSizes` for `config` at `width` (the config's
    /// `crop_length` when nil).
    ///
    /// - Throws: `PlanError` when a patch size has no valid hierarchy or the width does not
    ///   fit one.
    public init(config: FractalConfig, width: Int? = nil, patchSizes: [Int]) throws(PlanError) {
        let baseline = try FractalPlan(config: config, width: width)
        self.baseline = baseline
        let sides = config.model.imgSizeList
        var options: [PatchSizeOption] = []
        for patch in patchSizes {
            options.append(try PatchSizeOption(patchSize: patch, config: config, baseline: baseline))
        }
        self.options = options
    }
}

extension SamplingOptions {
    /// `numIterList` with each MAR level's entry at most that level's token count for rolls
    /// `cropLength` wide (unchanged when the lists do not fit the model).
    func cappedIterations(model: ModelConfig, cropLength: Int) -> [Int] {
        let sides = model.imgSizeList
        let marLevels = model.generatorTypes.indices.filter { model.generatorTypes[$0] == .mar }
        guard sides.count == model.generatorTypes.count + 1, marLevels.count == numIterList.count,
              sides.allSatisfy({ $0 > 0 }) else { return numIterList }
        return zip(marLevels, numIterList).map { level, iterations in
            let patch = sides[level + 1]
            let tokens = level == 0 ? (sides[0] / patch) * (cropLength / patch) : (sides[level] / patch) * (sides[level] / patch)
            return max(1, min(iterations, tokens))
        }
    }
}
