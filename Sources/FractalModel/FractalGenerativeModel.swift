import Foundation
import Engine
import NN
import PianoRoll

/// The fractal generative model: generator levels (MAR or AR) nested coarse to
/// fine over the 128 × `width` piano roll, and a head that fills single cells.
///
/// Its parameters carry the names of `FractalPlan`'s inventory under `levels.<k>.` and
/// `head.` (for example `levels.0.blocks.3.attn.qkv.weight`, `head.state_embedding`), so a
/// state dict exported with `exportParameters(into:)` is keyed by those names.
///
/// Training: ``trainingStep(cells:labels:width:gradientScale:chunkCells:rng:)`` computes the
/// loss and adds its gradient to the parameters, returning bits per cell and per-level statistics; ``evaluationLoss(cells:labels:width:seed:)``
/// is its deterministic validation variant. Generation: ``sample(count:labels:known:options:onProgress:isCancelled:)`` (one window; whole pieces go through the `Generation` module).
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
                conditionWidth: conditionWidth, classes: k == 0 ? config.numClasses : nil,
                pitchEmbedding: k > 0 && config.pitchEmbedding, scanOrder: config.scanOrder,
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

    /// Head cells the levels below level 0 process at once. Level 0 sees the whole batch;
    /// the patches it hands down are taken through the lower levels and the head in chunks
    /// of about this many cells, each differentiated as soon as it is computed, so a step
    /// keeps one chunk's activations instead of the whole hierarchy's (the loss is
    /// a sum over cells, so the gradient is the same).
    public static let defaultChunkCells = 4096

    /// One training pass over a batch: computes the loss and adds its gradient,
    /// times `gradientScale`, to every parameter's `grad`.
    ///
    /// - Parameters:
    ///   - cells: `B × 128 × width` cell codes, each roll pitch-major as `PianoRoll.codes`.
    ///   - labels: one style label (0 ..< `num_classes`) per roll; each is replaced by the
    ///     null label with probability `label_drop_prob`.
    ///   - width: the rolls' width; must equal the model's ``width``.
    ///   - gradientScale: the factor on the gradient (1 / micro-batches when accumulating).
    ///   - chunkCells: head cells per chunk of the lower levels (see ``defaultChunkCells``).
    ///   - rng: draws the label drops, mask ratios, mask orders and dropout.
    /// - Returns: the loss Σ(CE(state) + v_weight·[onset]·CE(velocity)) / cells over the cells
    ///   that reach the head, with bits per cell (velocity weight 1) and per-level statistics.
    @discardableResult
    public func trainingStep(cells: [UInt8], labels: [Int32], width: Int, gradientScale: Float = 1,
                             chunkCells: Int = defaultChunkCells, rng: inout Engine.RandomGenerator) -> TrainingLoss {
        Engine.withGradients {
            pass(cells: cells, labels: labels, width: width, velocityWeight: Float(config.vWeight), dropLabels: true,
                 gradientScale: gradientScale, chunkCells: chunkCells, rng: &rng)
        }
    }

    /// The deterministic validation loss: masks and orders drawn from `seed`, no label drop,
    /// no dropout, velocity weight 1, no gradient. The same batch and seed give the same
    /// numbers between runs.
    public func evaluationLoss(cells: [UInt8], labels: [Int32], width: Int, seed: UInt64) -> TrainingLoss {
        let wasTraining = isTraining
        setTraining(false)
        defer { setTraining(wasTraining) }
        var rng = Engine.RandomGenerator(seed: seed)
        return Engine.withoutGradients {
            pass(cells: cells, labels: labels, width: width, velocityWeight: 1, dropLabels: false,
                 gradientScale: nil, chunkCells: Self.defaultChunkCells, rng: &rng)
        }
    }

    /// The loss of a batch, back-propagated chunk by chunk when `gradientScale` is given.
    private func pass(cells: [UInt8], labels: [Int32], width: Int, velocityWeight: Float, dropLabels: Bool,
                      gradientScale: Float?, chunkCells: Int, rng: inout Engine.RandomGenerator) -> TrainingLoss {
        precondition(width == self.width, "the model is built for rolls \(self.width) steps wide, not \(width)")
        let rollCells = PianoRoll.pitchCount * width
        precondition(!labels.isEmpty && cells.count == labels.count * rollCells,
                     "\(cells.count) cells do not make \(labels.count) rolls of 128 × \(width)")
        precondition(chunkCells > 0, "chunkCells must be at least 1")
        let nullLabel = Int32(config.numClasses)
        let batchLabels = labels.map { label -> Int32 in
            precondition(label >= 0 && label < nullLabel, "label \(label) outside 0..<\(nullLabel)")
            return dropLabels && Double(rng.uniform()) < config.labelDropProb ? nullLabel : label
        }
        let handDown = HandDownPlan(levels: levels.layers, rolls: labels.count, rng: &rng) { tokens, rng in
            maskedCount(tokens: tokens, rng: &rng)
        }

        let top = levels.layers[0]
        let rollConditions = top.classEmbedding!.embedding(indices: batchLabels, indexShape: [labels.count, 1])
        let topOutputs = top.encode(conditions: rollConditions,
                                    features: features.patchFeatures(cells, items: labels.count, geometry: top.geometry),
                                    masked: handDown.masked[0], generator: &rng)
        let handed = top.handDown(topOutputs, picks: handDown.picks[0])
        let lowerCells = top.geometry.extract(cells, picks: handDown.picks[0])
        // The leaf that stands for level 0's hand-down while the chunks are differentiated.
        let lowerInput = gradientScale == nil ? handed : Tensor(copying: handed, requiresGrad: true)

        var sums = HeadSums(totalCells: handDown.headCells)
        let perItem = top.geometry.cellsPerPatch
        let lowerItems = handDown.picks[0].count
        let chunk = max(1, chunkCells / max(1, handDown.headCellsPerLowerItem))
        for first in stride(from: 0, to: lowerItems, by: chunk) {
            let items = first..<min(first + chunk, lowerItems)
            let loss = lowerLevelsLoss(conditions: lowerInput.sliced(alongAxis: 0, items),
                                       cells: Array(lowerCells[(items.lowerBound * perItem)..<(items.upperBound * perItem)]),
                                       items: items, handDown: handDown, velocityWeight: velocityWeight,
                                       sums: &sums, rng: &rng)
            if let gradientScale { loss.scaled(by: gradientScale).backward() }
        }
        if gradientScale != nil, let gradient = lowerInput.grad { handed.backward(gradient: gradient) }

        let stateBits = sums.stateNats / Double(sums.totalCells) / M_LN2
        let velocityBits = sums.velocityNats / Double(sums.totalCells) / M_LN2
        let lossValue = (sums.stateNats + Double(velocityWeight) * sums.velocityNats) / Double(sums.totalCells)
        return TrainingLoss(loss: lossValue, bitsPerCell: stateBits + velocityBits, cells: sums.totalCells,
                            levels: handDown.statistics(levels: levels.layers),
                            head: HeadStatistics(cells: sums.totalCells, onsets: sums.onsets,
                                                 stateBitsPerCell: stateBits, velocityBitsPerCell: velocityBits))
    }

    /// The share of the loss of the level-1 items `items` (all levels below 0 and the head),
    /// `conditions` being their rows of level 0's hand-down and `cells` their cells.
    private func lowerLevelsLoss(conditions: Tensor, cells: [UInt8], items: Range<Int>, handDown: HandDownPlan,
                                 velocityWeight: Float, sums: inout HeadSums,
                                 rng: inout Engine.RandomGenerator) -> Tensor {
        var conditions = conditions
        var itemCells = cells
        var range = items
        for level in levels.layers.dropFirst() {
            let k = level.level
            let picks = handDown.picks(level: k, items: range)
            let tokens = level.geometry.tokens
            let masked = handDown.masked[k].map { Array($0[(range.lowerBound * tokens)..<(range.upperBound * tokens)]) }
            let input = features.patchFeatures(itemCells, items: range.count, geometry: level.geometry)
            let origins = Array(handDown.pitchOrigins[k][range])
            let outputs = level.encode(conditions: conditions, features: input, masked: masked, pitchOrigins: origins,
                                       generator: &rng)
            conditions = level.handDown(outputs, picks: picks)
            itemCells = level.geometry.extract(itemCells, picks: picks)
            range = handDown.pickRange(level: k, items: range)
        }

        let count = itemCells.count
        let headConditions = conditions.sliced(alongAxis: 1, 0..<1).reshaped([count, conditions.shape[2]])
        let states = itemCells.map(CellHead.state(of:))
        let onsetRows = itemCells.indices.filter { itemCells[$0] >= PianoRoll.Cell.firstOnsetCode }
        let bins = onsetRows.map { Int32(itemCells[$0] - PianoRoll.Cell.firstOnsetCode) }
        let logits = head.logits(conditions: headConditions, states: states, velocityRows: onsetRows.map { Int32($0) },
                                 generator: &rng)
        // Each chunk's mean is weighted by its share of all cells: the chunks sum to
        // Σ CE(state) / cells + v_weight · Σ [onset]·CE(velocity) / cells.
        let total = Float(sums.totalCells)
        let stateLoss = Tensor.crossEntropy(logits: logits.state, targets: states)
        sums.stateNats += Double(stateLoss.item) * Double(count)
        sums.onsets += onsetRows.count
        var loss = stateLoss.scaled(by: Float(count) / total)
        if let velocityLogits = logits.velocity {
            let velocityLoss = Tensor.crossEntropy(logits: velocityLogits, targets: bins)
            sums.velocityNats += Double(velocityLoss.item) * Double(onsetRows.count)
            loss = loss + velocityLoss.scaled(by: velocityWeight * Float(onsetRows.count) / total)
        }
        return loss
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

/// Running sums of the head's loss over the chunks of one pass.
private struct HeadSums {
    let totalCells: Int
    var stateNats = 0.0
    var velocityNats = 0.0
    var onsets = 0
}

/// Which patches every level of one training pass hands down, drawn before anything is
/// computed (so the number of cells that reach the head is known before the first chunk).
///
/// Picks are in item order, tokens ascending within an item, so the picks of a contiguous
/// range of items are a contiguous range of picks — and the next level's items.
struct HandDownPlan {
    /// Per level: the handed-down patches.
    private(set) var picks: [[PatchReference]] = []
    /// Per level: the masked flags (`items × tokens`, MAR), nil for AR.
    private(set) var masked: [[Bool]?] = []
    /// Per level: the lowest pitch each item covers (0 for the rolls of level 0).
    private(set) var pitchOrigins: [[Int]] = []
    /// Per level: `firstPick[k][i]` is the index of item i's first pick (one entry more than items).
    private var firstPick: [[Int]] = []
    /// Per level: its items.
    private var items: [Int] = []

    /// Draws the masks of every level for `rolls` rolls; `maskedCount` draws how many of a
    /// MAR item's patches are masked.
    init(levels: [GeneratorLevel], rolls: Int, rng: inout Engine.RandomGenerator,
         maskedCount: (Int, inout Engine.RandomGenerator) -> Int) {
        var itemCount = rolls
        var origins = [Int](repeating: 0, count: rolls)
        for level in levels {
            let tokens = level.geometry.tokens
            pitchOrigins.append(origins)
            var levelPicks: [PatchReference] = []
            var starts: [Int] = []
            starts.reserveCapacity(itemCount + 1)
            switch level.type {
            case .mar:
                var flags = [Bool](repeating: false, count: itemCount * tokens)
                var order = Array(0..<tokens)
                for item in 0..<itemCount {
                    starts.append(levelPicks.count)
                    let count = maskedCount(tokens, &rng)
                    for token in 0..<tokens { order[token] = token }
                    order.shuffle(using: &rng)
                    for token in order.prefix(count) { flags[item * tokens + token] = true }
                    for token in 0..<tokens where flags[item * tokens + token] {
                        levelPicks.append(PatchReference(item: item, token: token))
                    }
                }
                masked.append(flags)
            case .ar:
                levelPicks.reserveCapacity(itemCount * tokens)
                for item in 0..<itemCount {
                    starts.append(levelPicks.count)
                    for token in 0..<tokens { levelPicks.append(PatchReference(item: item, token: token)) }
                }
                masked.append(nil)
            }
            starts.append(levelPicks.count)
            items.append(itemCount)
            picks.append(levelPicks)
            firstPick.append(starts)
            itemCount = levelPicks.count
            origins = level.geometry.pitchOrigins(of: levelPicks, itemOrigins: origins)
        }
    }

    /// Cells that reach the head.
    var headCells: Int { picks.last!.count }

    /// Head cells per item handed down by level 0, on average (what sizes a chunk).
    var headCellsPerLowerItem: Int {
        max(1, headCells / max(1, picks[0].count))
    }

    /// The indices of the picks of level `level`'s items `items`.
    func pickRange(level: Int, items range: Range<Int>) -> Range<Int> {
        firstPick[level][range.lowerBound]..<firstPick[level][range.upperBound]
    }

    /// The picks of level `level`'s items `items`, with items counted from `items.lowerBound`.
    func picks(level: Int, items range: Range<Int>) -> [PatchReference] {
        picks[level][pickRange(level: level, items: range)].map {
            PatchReference(item: $0.item - range.lowerBound, token: $0.token)
        }
    }

    /// What each level did.
    func statistics(levels: [GeneratorLevel]) -> [LevelStatistics] {
        levels.enumerated().map { k, level in
            LevelStatistics(level: level.level, items: items[k], tokens: level.geometry.tokens,
                            maskedFraction: level.type == .mar ? Double(picks[k].count) / Double(items[k] * level.geometry.tokens) : 0,
                            handedDown: picks[k].count)
        }
    }
}

/// The result of a training (or evaluation) forward pass.
public struct TrainingLoss: Sendable {
    /// The loss (nats per cell, velocity weighted by `v_weight`); its gradient is what
    /// ``FractalGenerativeModel/trainingStep(cells:labels:width:gradientScale:chunkCells:rng:)`` adds.
    public let loss: Double
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
