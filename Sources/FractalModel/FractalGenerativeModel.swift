import Foundation
import Engine
import NN
import PianoRoll

/// The fractal generative model of DESIGN §4: generator levels (MAR or AR) nested coarse to
/// fine over the 128 × `width` piano roll, and a head that fills single cells.
///
/// Its parameters carry the names of `FractalPlan`'s inventory under `levels.<k>.` and
/// `head.` (for example `levels.0.blocks.3.attn.qkv.weight`, `head.state_embedding`), so a
/// state dict exported with `exportParameters(into:)` is keyed by those names.
///
/// Training: ``trainingLoss(cells:labels:width:rng:)`` returns the loss to back-propagate
/// with bits per cell and per-level statistics; ``evaluationLoss(cells:labels:width:seed:)``
/// is its deterministic validation variant. Generation: ``sample(count:labels:known:settings:onProgress:)``.
public final class FractalGenerativeModel: Layer {
    /// The model's shape.
    public let config: ModelConfig
    /// The roll width (time steps) the model is built for; level 0's positions are sized for it.
    public let width: Int
    /// The generator levels, top first.
    public let levels: LayerList<GeneratorLevel>
    /// The head that fills single cells.
    public let head: CellHead
    public var isTraining = true
    let features: CellFeatures

    /// A model of shape `config` for rolls `width` steps wide with parameters drawn from
    /// `seed`. The config must be valid (`FractalConfig.validate`) and `width` a multiple of
    /// the level-0 patch side.
    public init(config: ModelConfig, width: Int, seed: UInt64) {
        let sides = config.imgSizeList
        precondition(sides.count >= 2 && sides.first == PianoRoll.pitchCount && sides.last == 1,
                     "img_size_list must run from 128 down to 1, got \(sides)")
        precondition(width > 0 && width % sides[1] == 0, "width \(width) is not a multiple of the level-0 patch \(sides[1])")
        self.config = config
        self.width = width
        self.features = CellFeatures(velocityBins: config.velocityBins)
        var generator = Engine.RandomGenerator(seed: seed)
        let initStd = Float(config.initStd)
        let attentionDropout = Float(config.attnDropout), projectionDropout = Float(config.projDropout)
        var levels: [GeneratorLevel] = []
        for k in 0..<(sides.count - 1) {
            let geometry = LevelGeometry(inputRows: sides[k], inputCols: k == 0 ? width : sides[k], patch: sides[k + 1])
            let conditions = k == 0 ? 1 : (config.generatorTypes[k - 1] == .mar ? config.numConds : 1)
            let conditionWidth = k == 0 ? config.embedDimList[0] : config.embedDimList[k - 1]
            levels.append(GeneratorLevel(
                level: k, type: config.generatorTypes[k], geometry: geometry, width: config.embedDimList[k],
                depth: config.numBlocksList[k], heads: config.numHeadsList[k], conditionCount: conditions,
                conditionWidth: conditionWidth, classes: k == 0 ? config.numClasses : nil, scanOrder: config.scanOrder,
                initStd: initStd, attentionDropout: attentionDropout, projectionDropout: projectionDropout,
                generator: &generator))
        }
        self.levels = LayerList(levels)
        let last = sides.count - 1
        head = CellHead(width: config.embedDimList[last], depth: config.numBlocksList[last], heads: config.numHeadsList[last],
                        conditionWidth: config.embedDimList[last - 1], velocityBins: config.velocityBins, initStd: initStd,
                        attentionDropout: attentionDropout, projectionDropout: projectionDropout, generator: &generator)
    }

    /// A model of `config.model`'s shape for rolls of `config.data.cropLength` steps.
    public convenience init(config: FractalConfig, seed: UInt64) {
        self.init(config: config.model, width: config.data.cropLength, seed: seed)
    }

    public var children: [(name: String, layer: any Layer)] { [("levels", levels), ("head", head)] }

    /// Patch tokens per level for this model's width (level 0: (128/s₁)·(width/s₁)).
    public var tokensPerLevel: [Int] { levels.layers.map { $0.geometry.tokens } }

    /// Parameters per level (generator levels top first, the head last).
    public var parameterCountsPerLevel: [Int] { levels.layers.map(\.parameterCount) + [head.parameterCount] }

    /// The model's parameters as a safetensors state dict keyed by parameter name.
    public func stateDict(metadata: [String: String] = [:]) -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: metadata)
        exportParameters(into: &file)
        return file
    }

    /// Loads every parameter from a state dict written by ``stateDict(metadata:)``; nothing
    /// changes unless every tensor is present with the right shape.
    public func load(stateDict file: SafeTensorsFile) throws(SafeTensorsError) {
        try importParameters(from: file)
    }

    // MARK: Training

    /// The training loss of a batch (DESIGN §4), recorded for `backward()`.
    ///
    /// - Parameters:
    ///   - cells: `B × 128 × width` cell codes, each roll pitch-major as `PianoRoll.codes`.
    ///   - labels: one style label (0 ..< `num_classes`) per roll; each is replaced by the
    ///     null label with probability `label_drop_prob`.
    ///   - width: the rolls' width; must equal the model's ``width``.
    ///   - rng: draws the label drops, mask ratios, mask orders and dropout.
    /// - Returns: the loss Σ(CE(state) + v_weight·[onset]·CE(velocity)) / cells over the cells
    ///   that reach the head, with bits per cell (velocity weight 1) and per-level statistics.
    public func trainingLoss(cells: [UInt8], labels: [Int32], width: Int, rng: inout Engine.RandomGenerator) -> TrainingLoss {
        Engine.withGradients {
            forwardLoss(cells: cells, labels: labels, width: width, velocityWeight: Float(config.vWeight),
                        dropLabels: true, rng: &rng)
        }
    }

    /// The deterministic validation loss: masks and orders drawn from `seed`, no label drop,
    /// no dropout, velocity weight 1, nothing recorded. The same batch and seed give the same
    /// numbers between runs.
    public func evaluationLoss(cells: [UInt8], labels: [Int32], width: Int, seed: UInt64) -> TrainingLoss {
        let wasTraining = isTraining
        setTraining(false)
        defer { setTraining(wasTraining) }
        var rng = Engine.RandomGenerator(seed: seed)
        return Engine.withoutGradients {
            forwardLoss(cells: cells, labels: labels, width: width, velocityWeight: 1, dropLabels: false, rng: &rng)
        }
    }

    private func forwardLoss(cells: [UInt8], labels: [Int32], width: Int, velocityWeight: Float, dropLabels: Bool,
                             rng: inout Engine.RandomGenerator) -> TrainingLoss {
        precondition(width == self.width, "the model is built for rolls \(self.width) steps wide, not \(width)")
        let rollCells = PianoRoll.pitchCount * width
        precondition(!labels.isEmpty && cells.count == labels.count * rollCells,
                     "\(cells.count) cells do not make \(labels.count) rolls of 128 × \(width)")
        let nullLabel = Int32(config.numClasses)
        let batchLabels = labels.map { label -> Int32 in
            precondition(label >= 0 && label < nullLabel, "label \(label) outside 0..<\(nullLabel)")
            return dropLabels && Double(rng.uniform()) < config.labelDropProb ? nullLabel : label
        }
        var conditions = levels.layers[0].classEmbedding!.embedding(indices: batchLabels, indexShape: [labels.count, 1])
        var itemCells = cells
        var items = labels.count
        var statistics: [LevelStatistics] = []
        for level in levels.layers {
            let geometry = level.geometry
            let tokens = geometry.tokens
            var masked: [Bool]? = nil
            var picks: [PatchReference] = []
            switch level.type {
            case .mar:
                var flags = [Bool](repeating: false, count: items * tokens)
                for item in 0..<items {
                    let count = maskedCount(tokens: tokens, rng: &rng)
                    var order = Array(0..<tokens)
                    order.shuffle(using: &rng)
                    for token in order.prefix(count) { flags[item * tokens + token] = true }
                    for token in 0..<tokens where flags[item * tokens + token] {
                        picks.append(PatchReference(item: item, token: token))
                    }
                }
                masked = flags
            case .ar:
                for item in 0..<items {
                    for token in 0..<tokens { picks.append(PatchReference(item: item, token: token)) }
                }
            }
            let input = features.patchFeatures(itemCells, items: items, geometry: geometry)
            let outputs = level.encode(conditions: conditions, features: input, masked: masked, generator: &rng)
            conditions = level.handDown(outputs, picks: picks)
            itemCells = geometry.extract(itemCells, picks: picks)
            statistics.append(LevelStatistics(level: level.level, items: items, tokens: tokens,
                                              maskedFraction: level.type == .mar ? Double(picks.count) / Double(items * tokens) : 0,
                                              handedDown: picks.count))
            items = picks.count
        }

        let headConditions = conditions.sliced(alongAxis: 1, 0..<1).reshaped([items, conditions.shape[2]])
        let states = itemCells.map(CellHead.state(of:))
        let bins = itemCells.map { $0 >= PianoRoll.Cell.firstOnsetCode ? Int32($0 - PianoRoll.Cell.firstOnsetCode) : 0 }
        let onsetWeights = itemCells.map { $0 >= PianoRoll.Cell.firstOnsetCode ? Float(1) : 0 }
        let onsets = onsetWeights.reduce(0, +)
        let logits = head.logits(conditions: headConditions, states: states, generator: &rng)
        let stateLoss = Tensor.crossEntropy(logits: logits.state, targets: states)
        let velocityLoss = Tensor.crossEntropy(logits: logits.velocity, targets: bins, weights: onsetWeights)
        let onsetFraction = onsets / Float(items)
        let loss = stateLoss + velocityLoss.scaled(by: velocityWeight * onsetFraction)
        let stateBits = Double(stateLoss.item) / M_LN2
        let velocityBits = Double(velocityLoss.item * onsetFraction) / M_LN2
        let headStatistics = HeadStatistics(cells: items, onsets: Int(onsets), stateBitsPerCell: stateBits,
                                            velocityBitsPerCell: velocityBits)
        return TrainingLoss(loss: loss, bitsPerCell: stateBits + velocityBits, cells: items,
                            levels: statistics, head: headStatistics)
    }

    /// Patches a MAR level masks: ⌈r · tokens⌉ for r ~ Normal(loc, scale) truncated to
    /// [0, 1], at least one.
    private func maskedCount(tokens: Int, rng: inout Engine.RandomGenerator) -> Int {
        var ratio: Double
        repeat {
            ratio = config.maskRatioLoc + config.maskRatioScale * Double(rng.normal())
        } while !(0...1).contains(ratio)
        return min(tokens, max(1, Int((ratio * Double(tokens)).rounded(.up))))
    }
}

/// The result of a training (or evaluation) forward pass.
public struct TrainingLoss: Sendable {
    /// The scalar loss to call `backward()` on (nats per cell, velocity weighted by `v_weight`).
    public let loss: Tensor
    /// Bits per cell (nats / ln 2) over the cells that reached the head, velocity weight 1.
    public let bitsPerCell: Double
    /// Cells that reached the head.
    public let cells: Int
    /// Statistics per generator level, top first.
    public let levels: [LevelStatistics]
    /// Statistics of the head.
    public let head: HeadStatistics
}

/// What one generator level did in a training pass.
public struct LevelStatistics: Sendable, Equatable {
    /// The level (0 = the whole roll).
    public let level: Int
    /// Items in the level's batch (rolls at level 0, patches handed down below).
    public let items: Int
    /// Patch tokens per item.
    public let tokens: Int
    /// Fraction of the patches masked (MAR; 0 for AR, which masks nothing).
    public let maskedFraction: Double
    /// Patches handed down to the next level (or the head).
    public let handedDown: Int
}

/// What the head saw in a training pass; the bits split the loss into its state and
/// velocity shares.
public struct HeadStatistics: Sendable, Equatable {
    /// Cells that reached the head.
    public let cells: Int
    /// Onset cells among them.
    public let onsets: Int
    /// State cross-entropy in bits per cell.
    public let stateBitsPerCell: Double
    /// Velocity cross-entropy (onsets only) in bits per cell.
    public let velocityBitsPerCell: Double

    /// The share of the bits that the state prediction accounts for (the rest is velocity).
    public var stateShare: Double {
        let total = stateBitsPerCell + velocityBitsPerCell
        return total > 0 ? stateBitsPerCell / total : 1
    }
}
