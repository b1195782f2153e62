import Foundation

/// The computed cost of a fractal model: per level its grid, tokens,
/// parameters, FLOPs and activation memory, for rolls of width `width`.
///
/// ## The parameter inventory (the model must implement exactly these tensors)
///
/// A generator level k has width D = `embed_dim_list[k]`, depth N = `num_blocks_list[k]`,
/// patches of side p = `img_size_list[k+1]` (L of them) and c condition inputs of width C:
/// level 0 takes c = 1 condition, its style embedding (C = D₀); a lower level takes what
/// its parent hands down per patch: c = `num_conds` (5: the parent's own output and its
/// top/right/bottom/left neighbours') from a MAR parent, c = 1 from an AR parent, with
/// C = the parent's width. Its tensors:
///
/// | tensor | shape | count |
/// |---|---|---|
/// | `class_embedding` (level 0 only) | (num_classes + 1) × D, last row = null label | (num_classes + 1)·D |
/// | `patch_embed` Linear(3p² → D), with bias | 3p² × D + D | 3p²·D + D |
/// | `cond_proj[i]`, i < c: Linear(C → D), with bias, one per condition | C × D + D | c·(C·D + D) |
/// | `mask_token` (MAR only) | D | D |
/// | `pos_embed` (condition tokens first) | (c + L) × D | (c + L)·D |
/// | `pitch_embedding` (levels below 0, with `pitch_embedding: true`): one row per pitch band of side p on the keyboard | (128 / p) × D | (128 / p)·D |
/// | N pre-norm blocks: `norm1` (γ, β), `qkv` Linear(D → 3D) + bias, `proj` Linear(D → D) + bias, `norm2` (γ, β), `fc1` Linear(D → 4D) + bias, `fc2` Linear(4D → D) + bias | | N·(12D² + 13D) |
/// | `norm` final LayerNorm (γ, β) | 2D | 2D |
///
/// A level's conditions are its final-norm outputs; there is no separate hand-down
/// projection: the receiving level's `cond_proj` is that projection. An AR level has the
/// same tensors without `mask_token`; its sequence is the c condition tokens followed by
/// all L patches in scan order (the last patch's output is unused).
///
/// The head has width H = `embed_dim_list[-1]`, depth Nₕ = `num_blocks_list[-1]`, B =
/// `velocity_bins` and takes only its parent's own output (condition 0, width C):
///
/// | tensor | shape | count |
/// |---|---|---|
/// | `cond_proj` Linear(C → H), with bias | C × H + H | C·H + H |
/// | `state_embedding` (silent, sustain, onset) | 3 × H | 3H |
/// | `velocity_embedding` | B × H | B·H |
/// | `pos_embed` | 2 × H | 2H |
/// | Nₕ causal blocks as above | | Nₕ·(12H² + 13H) |
/// | `norm` final LayerNorm | 2H | 2H |
///
/// Its sequence is [projected condition, state embedding of the cell's state]; the state
/// logits are `norm(h₀) · state_embeddingᵀ` and the velocity logits
/// `norm(h₁) · velocity_embeddingᵀ` (tied, no output bias).
///
/// ## FLOPs
/// Matrix products only (2 FLOPs per multiply–add); norms, GELU and softmax are left out.
/// A level item with T = c + L tokens costs 2·L·3p²·D (patch embedding) + 2·c·C·D
/// (condition projections) + N·(24·T·D² + 4·T²·D) (blocks; attention over all T×T pairs, causal
/// or not). The head costs 2·C·H + Nₕ·(24·2·H² + 4·4·H) + 2·H·(3 + B) per cell.
/// Training: level 0 runs once per roll; level k+1 runs once per patch level k hands down,
/// the expected fraction of its L patches being the mean mask ratio for MAR (a Normal(loc,
/// scale) truncated to [0, 1]) and 1 for AR. Backward is counted as twice the forward.
/// Sampling: level k runs once per patch of its parent; a MAR level runs min(num_iter, L)
/// full passes; an AR level with its key/value cache processes its c + L − 1 inputs once,
/// position t attending to t keys; the head runs once per cell (both positions counted).
/// Guidance (cfg ≠ 1 or a linear schedule) doubles sampling.
///
/// ## Activation memory
/// 4-byte floats kept for the backward pass per training roll: per level item
/// T·D·(16N + 2) + N·heads·T² (per block: input, two norm outputs, qkv, attention output,
/// projection, 4D MLP hidden before and after GELU = 16D per token, plus the attention
/// probabilities; the embedding and final-norm outputs 2D per token).
public struct FractalPlan: Sendable, Equatable {
    /// The roll width (time steps) the plan is for.
    public let width: Int
    /// The generator levels, top first.
    public let levels: [LevelPlan]
    /// The head that fills single cells.
    public let head: HeadPlan
    /// Whether sampling runs the guided and unguided branches together.
    public let guided: Bool

    /// Every parameter of the model.
    public var totalParameters: Int { levels.reduce(head.parameters) { $0 + $1.parameters } }
    /// Forward FLOPs of training on one roll.
    public var trainingForwardFLOPs: Double { levels.reduce(head.trainingForwardFLOPs) { $0 + $1.trainingForwardFLOPs } }
    /// Forward plus backward FLOPs of training on one roll.
    public var trainingFLOPs: Double { 3 * trainingForwardFLOPs }
    /// FLOPs of generating one roll.
    public var samplingFLOPs: Double { levels.reduce(head.samplingFLOPs) { $0 + $1.samplingFLOPs } }
    /// Bytes of activations kept for the backward pass per training roll.
    public var activationBytes: Double { levels.reduce(head.activationBytes) { $0 + $1.activationBytes } }
    /// Bytes of attention probabilities kept per training roll.
    public var attentionBytes: Double { levels.reduce(head.attentionBytes) { $0 + $1.attentionBytes } }

    /// Computes the plan of `config` for rolls `width` steps wide (the config's
    /// `crop_length` when nil): the model is sized for that width.
    ///
    /// - Throws: `PlanError` when the config breaks a rule or the width does not fit.
    public init(config: FractalConfig, width: Int? = nil) throws(PlanError) {
        var config = config
        if let width {
            config.data.cropLength = width
            config.sampling.numIterList = config.sampling.cappedIterations(model: config.model, cropLength: width)
        }
        do {
            try config.validate()
        } catch {
            if error.key == "data.crop_length", let width {
                let patch = config.model.imgSizeList[1]
                let below = width / patch * patch
                throw PlanError("width \(width) is not a multiple of the level-0 patch \(patch); use \(below >= patch ? "\(below) or " : "")\(below + patch)")
            }
            throw PlanError(error.message)
        }
        let model = config.model
        let width = config.data.cropLength
        self.width = width
        self.guided = config.sampling.cfg != 1 || config.sampling.cfgSchedule == .linear
        let handDownMAR = truncatedNormalMean(loc: model.maskRatioLoc, scale: model.maskRatioScale, lower: 0, upper: 1)
        let sides = model.imgSizeList

        var levels: [LevelPlan] = []
        var trainingItems = 1.0
        var samplingItems = 1
        for level in 0..<(sides.count - 1) {
            let type = model.generatorTypes[level]
            let patch = sides[level + 1]
            let inputRows = sides[level]
            let inputCols = level == 0 ? width : sides[level]
            let conditions: Int
            let conditionWidth: Int
            if level == 0 {
                (conditions, conditionWidth) = (1, model.embedDimList[0])
            } else {
                conditions = model.generatorTypes[level - 1] == .mar ? model.numConds : 1
                conditionWidth = model.embedDimList[level - 1]
            }
            let iterations = config.sampling.level(level, of: model.generatorTypes)?.iterations ?? 0
            let plan = LevelPlan(
                level: level, type: type, inputRows: inputRows, inputCols: inputCols, patch: patch,
                conditionTokens: conditions, conditionWidth: conditionWidth,
                width: model.embedDimList[level], blocks: model.numBlocksList[level], heads: model.numHeadsList[level],
                classEmbeddingRows: level == 0 ? model.numClasses + 1 : 0,
                pitchEmbeddingRows: level > 0 && model.pitchEmbedding ? model.pianoRollHeight / patch : 0,
                handDownFraction: type == .mar ? handDownMAR : 1,
                iterations: iterations, trainingItems: trainingItems, samplingItems: samplingItems,
                guidanceFactor: guided ? 2 : 1)
            levels.append(plan)
            trainingItems *= Double(plan.tokens) * plan.handDownFraction
            samplingItems *= plan.tokens
        }
        self.levels = levels
        self.head = HeadPlan(
            width: model.embedDimList[sides.count - 1], blocks: model.numBlocksList[sides.count - 1],
            heads: model.numHeadsList[sides.count - 1], conditionWidth: model.embedDimList[sides.count - 2],
            velocityBins: model.velocityBins, trainingCells: trainingItems, samplingCells: samplingItems,
            guidanceFactor: guided ? 2 : 1)
    }
}

/// A plan that cannot be computed: one line naming the problem and the fix.
public struct PlanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong and how to fix it.
    public let message: String

    /// Creates an error with the given message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// One named tensor group of a level and its parameter count.
public struct ParameterGroup: Sendable, Equatable {
    /// The tensor's name in the inventory (`patch_embed`, `blocks`, …).
    public let name: String
    /// Its number of parameters.
    public let count: Int
}

/// The numbers of one generator level.
public struct LevelPlan: Sendable, Equatable {
    /// The level (0 = the whole roll).
    public let level: Int
    /// MAR or AR.
    public let type: GeneratorType
    /// Rows (pitches) of the level's input.
    public let inputRows: Int
    /// Columns (time steps) of the level's input.
    public let inputCols: Int
    /// Side of the level's patches.
    public let patch: Int
    /// Patch rows (pitch bands) of the level's grid.
    public let gridRows: Int
    /// Patch columns (time) of the level's grid.
    public let gridCols: Int
    /// Patch tokens: gridRows × gridCols.
    public let tokens: Int
    /// Condition tokens in front of the patches.
    public let conditionTokens: Int
    /// Width of the incoming conditions.
    public let conditionWidth: Int
    /// Transformer width.
    public let width: Int
    /// Transformer depth.
    public let blocks: Int
    /// Attention heads.
    public let heads: Int
    /// Expected fraction of the patches handed down in training.
    public let handDownFraction: Double
    /// MAR passes per item when sampling (0 for AR).
    public let iterations: Int
    /// Expected items (patches of the parent) per training roll.
    public let trainingItems: Double
    /// Items per generated roll.
    public let samplingItems: Int
    /// The parameter inventory of the level (see `FractalPlan`).
    public let parameterGroups: [ParameterGroup]
    /// Forward FLOPs of one item.
    public let itemForwardFLOPs: Double
    /// Forward FLOPs per training roll.
    public let trainingForwardFLOPs: Double
    /// FLOPs per generated roll.
    public let samplingFLOPs: Double
    /// Bytes of activations kept per training roll.
    public let activationBytes: Double
    /// Bytes of attention probabilities kept per training roll.
    public let attentionBytes: Double

    /// Tokens of the sequence: condition tokens plus patches.
    public var sequenceLength: Int { conditionTokens + tokens }
    /// Entries of one attention matrix (one head, one block, one item).
    public var attentionEntries: Int { sequenceLength * sequenceLength }
    /// Parameters of the level.
    public var parameters: Int { parameterGroups.reduce(0) { $0 + $1.count } }

    init(level: Int, type: GeneratorType, inputRows: Int, inputCols: Int, patch: Int,
         conditionTokens c: Int, conditionWidth C: Int, width D: Int, blocks N: Int, heads: Int,
         classEmbeddingRows: Int, pitchEmbeddingRows: Int, handDownFraction: Double, iterations: Int,
         trainingItems: Double, samplingItems: Int, guidanceFactor: Double) {
        self.level = level
        self.type = type
        self.inputRows = inputRows
        self.inputCols = inputCols
        self.patch = patch
        self.gridRows = inputRows / patch
        self.gridCols = inputCols / patch
        let L = gridRows * gridCols
        self.tokens = L
        self.conditionTokens = c
        self.conditionWidth = C
        self.width = D
        self.blocks = N
        self.heads = heads
        self.handDownFraction = handDownFraction
        self.iterations = iterations
        self.trainingItems = trainingItems
        self.samplingItems = samplingItems

        let features = 3 * patch * patch
        let T = c + L
        var groups: [ParameterGroup] = []
        if classEmbeddingRows > 0 {
            groups.append(ParameterGroup(name: "class_embedding", count: classEmbeddingRows * D))
        }
        groups.append(ParameterGroup(name: "patch_embed", count: features * D + D))
        groups.append(ParameterGroup(name: "cond_proj", count: c * (C * D + D)))
        if type == .mar {
            groups.append(ParameterGroup(name: "mask_token", count: D))
        }
        groups.append(ParameterGroup(name: "pos_embed", count: T * D))
        if pitchEmbeddingRows > 0 {
            groups.append(ParameterGroup(name: "pitch_embedding", count: pitchEmbeddingRows * D))
        }
        groups.append(ParameterGroup(name: "blocks", count: N * blockParameters(width: D)))
        groups.append(ParameterGroup(name: "norm", count: 2 * D))
        self.parameterGroups = groups

        let (d, t, n) = (Double(D), Double(T), Double(N))
        let embedding = 2 * Double(L * features) * d + 2 * Double(c * C) * d
        self.itemForwardFLOPs = embedding + n * blockForwardFLOPs(tokens: t, width: d)
        self.trainingForwardFLOPs = trainingItems * itemForwardFLOPs
        let itemSampling: Double
        switch type {
        case .mar:
            itemSampling = Double(min(iterations, L)) * itemForwardFLOPs
        case .ar:
            let inputs = Double(T - 1)
            let cachedBlocks = n * (24 * inputs * d * d + 2 * inputs * (inputs + 1) * d)
            itemSampling = 2 * Double((L - 1) * features) * d + 2 * Double(c * C) * d + cachedBlocks
        }
        self.samplingFLOPs = guidanceFactor * Double(samplingItems) * itemSampling
        self.attentionBytes = 4 * trainingItems * n * Double(heads) * t * t
        self.activationBytes = 4 * trainingItems * (t * d * (16 * n + 2)) + attentionBytes
    }
}

/// The numbers of the head that fills single cells.
public struct HeadPlan: Sendable, Equatable {
    /// Transformer width.
    public let width: Int
    /// Transformer depth.
    public let blocks: Int
    /// Attention heads.
    public let heads: Int
    /// Width of the condition from the last generator level.
    public let conditionWidth: Int
    /// Velocity bins.
    public let velocityBins: Int
    /// Expected cells per training roll.
    public let trainingCells: Double
    /// Cells per generated roll.
    public let samplingCells: Int
    /// The parameter inventory of the head (see `FractalPlan`).
    public let parameterGroups: [ParameterGroup]
    /// Forward FLOPs of one cell.
    public let cellForwardFLOPs: Double
    /// Forward FLOPs per training roll.
    public let trainingForwardFLOPs: Double
    /// FLOPs per generated roll.
    public let samplingFLOPs: Double
    /// Bytes of activations kept per training roll.
    public let activationBytes: Double
    /// Bytes of attention probabilities kept per training roll.
    public let attentionBytes: Double

    /// Parameters of the head.
    public var parameters: Int { parameterGroups.reduce(0) { $0 + $1.count } }

    init(width H: Int, blocks N: Int, heads: Int, conditionWidth C: Int, velocityBins B: Int,
         trainingCells: Double, samplingCells: Int, guidanceFactor: Double) {
        self.width = H
        self.blocks = N
        self.heads = heads
        self.conditionWidth = C
        self.velocityBins = B
        self.trainingCells = trainingCells
        self.samplingCells = samplingCells
        self.parameterGroups = [
            ParameterGroup(name: "cond_proj", count: C * H + H),
            ParameterGroup(name: "state_embedding", count: 3 * H),
            ParameterGroup(name: "velocity_embedding", count: B * H),
            ParameterGroup(name: "pos_embed", count: 2 * H),
            ParameterGroup(name: "blocks", count: N * blockParameters(width: H)),
            ParameterGroup(name: "norm", count: 2 * H),
        ]
        let (h, n) = (Double(H), Double(N))
        self.cellForwardFLOPs = 2 * Double(C) * h + n * blockForwardFLOPs(tokens: 2, width: h) + 2 * h * Double(3 + B)
        self.trainingForwardFLOPs = trainingCells * cellForwardFLOPs
        self.samplingFLOPs = guidanceFactor * Double(samplingCells) * cellForwardFLOPs
        self.attentionBytes = 4 * trainingCells * n * Double(heads) * 4
        self.activationBytes = 4 * trainingCells * (2 * h * (16 * n + 2)) + attentionBytes
    }
}

/// Parameters of one pre-norm transformer block of width D: two LayerNorms (4D), qkv
/// (3D² + 3D), projection (D² + D), MLP (4D² + 4D + 4D² + D).
func blockParameters(width D: Int) -> Int {
    12 * D * D + 13 * D
}

/// Forward FLOPs of one block over `tokens` tokens: 24·T·D² + 4·T²·D.
func blockForwardFLOPs(tokens T: Double, width D: Double) -> Double {
    24 * T * D * D + 4 * T * T * D
}

/// The mean of a Normal(loc, scale) truncated to [lower, upper]:
/// loc + scale·(φ(α) − φ(β)) / (Φ(β) − Φ(α)), α = (lower − loc)/scale, β = (upper − loc)/scale.
public func truncatedNormalMean(loc: Double, scale: Double, lower: Double, upper: Double) -> Double {
    let alpha = (lower - loc) / scale
    let beta = (upper - loc) / scale
    let density = { (x: Double) in exp(-x * x / 2) / (2 * Double.pi).squareRoot() }
    let mass = (erf(beta / 2.0.squareRoot()) - erf(alpha / 2.0.squareRoot())) / 2
    return loc + scale * (density(alpha) - density(beta)) / mass
}
