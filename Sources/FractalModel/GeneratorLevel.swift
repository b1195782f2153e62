import Engine
import NN
import PianoRoll

/// One generator level of the fractal model: a transformer over the condition
/// tokens its parent hands down followed by the patch tokens of its grid.
///
/// A MAR level is bidirectional and replaces masked patches by `mask_token`; an AR level is
/// causal over its patches in scan order, and the output at position i (condition token or
/// patch i − 1) is the condition for patch i. Parameter names follow `FractalPlan`'s
/// inventory: `class_embedding` (level 0), `mask_token` (MAR), `pos_embed`,
/// `pitch_embedding` (below level 0, when configured), `patch_embed.*`, `cond_proj.<i>.*`,
/// `blocks.<n>.*`, `norm.*`.
public final class GeneratorLevel: Layer {
    /// The level's index (0 = the whole roll).
    public let level: Int
    /// MAR or AR.
    public let type: GeneratorType
    /// The level's patch grid.
    public let geometry: LevelGeometry
    /// The token width.
    public let width: Int
    /// Condition tokens in front of the patches.
    public let conditionCount: Int
    /// Tokens in scan order (AR); the identity for MAR.
    public let scanOrder: [Int]
    /// `(num_classes + 1) × width` style embeddings (level 0 only; the last row is the null label).
    public let classEmbedding: Tensor?
    /// The learned token of masked patches, `[width]` (MAR only).
    public let maskToken: Tensor?
    /// Learned positions, `[conditionCount + tokens, width]`, condition tokens first.
    public let posEmbed: Tensor
    /// `[128 / patch, width]`: one learned row per pitch band of the keyboard, added to the
    /// token of the patch that covers it (levels below 0 with `pitch_embedding`; zeros at
    /// first). An item's place on the keyboard is its *pitch origin*: the lowest pitch it covers.
    public let pitchEmbedding: Tensor?
    /// Patch features → token.
    public let patchEmbed: Linear
    /// One projection per condition token.
    public let condProj: LayerList<Linear>
    /// The transformer blocks.
    public let blocks: LayerList<TransformerBlock>
    /// The final LayerNorm; its outputs are the conditions handed down.
    public let norm: LayerNorm
    public var isTraining = true

    /// A level with fresh parameters.
    init(level: Int, type: GeneratorType, geometry: LevelGeometry, width: Int, depth: Int, heads: Int,
         conditionCount: Int, conditionWidth: Int, classes: Int?, pitchEmbedding: Bool, scanOrder: ScanOrder,
         initStd: Float, attentionDropout: Float, projectionDropout: Float,
         generator: inout Engine.RandomGenerator) {
        self.level = level
        self.type = type
        self.geometry = geometry
        self.width = width
        self.conditionCount = conditionCount
        self.scanOrder = type == .ar ? geometry.scanOrder(scanOrder) : Array(0..<geometry.tokens)
        let normal = Initializer.normal(standardDeviation: initStd)
        classEmbedding = classes.map { normal.makeParameter([$0 + 1, width], generator: &generator) }
        maskToken = type == .mar ? normal.makeParameter([width], generator: &generator) : nil
        posEmbed = normal.makeParameter([conditionCount + geometry.tokens, width], generator: &generator)
        self.pitchEmbedding = pitchEmbedding
            ? Initializer.zeros.makeParameter([PianoRoll.pitchCount / geometry.patch, width], generator: &generator) : nil
        patchEmbed = Linear(inputFeatures: geometry.featuresPerPatch, outputFeatures: width, generator: &generator)
        condProj = LayerList((0..<conditionCount).map { _ in
            Linear(inputFeatures: conditionWidth, outputFeatures: width, generator: &generator)
        })
        let configuration = TransformerBlock.Configuration(width: width, heads: heads, attentionDropout: attentionDropout,
                                                           projectionDropout: projectionDropout)
        blocks = LayerList((0..<depth).map { _ in TransformerBlock(configuration, generator: &generator) })
        norm = LayerNorm(width: width, epsilon: 1e-6)
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        if let classEmbedding { result.append(("class_embedding", classEmbedding)) }
        if let maskToken { result.append(("mask_token", maskToken)) }
        result.append(("pos_embed", posEmbed))
        if let pitchEmbedding { result.append(("pitch_embedding", pitchEmbedding)) }
        return result
    }

    public var children: [(name: String, layer: any Layer)] {
        [("patch_embed", patchEmbed), ("cond_proj", condProj), ("blocks", blocks), ("norm", norm)]
    }

    /// The position of scan index `j` of each token: `inverseScan[token]`.
    var inverseScan: [Int] {
        var inverse = [Int](repeating: 0, count: scanOrder.count)
        for (j, token) in scanOrder.enumerated() { inverse[token] = j }
        return inverse
    }

    /// The condition tokens: each condition `[batch, conditionCount, C]` through its projection.
    func conditionTokens(_ conditions: Tensor) -> Tensor {
        precondition(conditions.rank == 3 && conditions.shape[1] == conditionCount,
                     "level \(level) expects \(conditionCount) conditions per item, got \(conditions.shape)")
        let tokens = condProj.layers.enumerated().map { index, projection in
            projection(conditions.sliced(alongAxis: 1, index..<(index + 1)))
        }
        return tokens.count == 1 ? tokens[0] : Tensor.concatenate(tokens, alongAxis: 1)
    }

    /// The pitch bands of the given tokens of items whose pitch origins are `origins`, item
    /// by item (band b covers pitches b·patch ..< (b + 1)·patch): the rows of
    /// ``pitchEmbedding`` their tokens get.
    public func pitchBands(origins: [Int], tokens: [Int]) -> [Int32] {
        var bands: [Int32] = []
        bands.reserveCapacity(origins.count * tokens.count)
        for origin in origins {
            for token in tokens {
                bands.append(Int32(geometry.pitchOrigin(ofToken: token, itemOrigin: origin) / geometry.patch))
            }
        }
        return bands
    }

    /// The whole sequence through the transformer: `conditions` `[batch, c, C]`, patch
    /// `features` `[batch, tokens, 3p²]` with tokens in natural (row-major) order, `masked`
    /// (`batch × tokens` flags in natural order, MAR only) replacing patches by the mask
    /// token, `pitchOrigins` the lowest pitch each item covers (one per item; needed when the
    /// level has a ``pitchEmbedding``). Returns the final-norm outputs
    /// `[batch, c + tokens, width]` in sequence order (condition tokens, then patches in scan
    /// order for AR, natural order for MAR).
    public func encode(conditions: Tensor, features: Tensor, masked: [Bool]?, pitchOrigins: [Int]? = nil,
                       generator: inout Engine.RandomGenerator) -> Tensor {
        encode(conditionTokens: conditionTokens(conditions), features: features, masked: masked,
               pitchOrigins: pitchOrigins, generator: &generator)
    }

    /// ``encode(conditions:features:masked:pitchOrigins:generator:)`` with the condition tokens
    /// already projected (``conditionTokens(_:)``): a sampler that encodes the same conditions
    /// once per iteration projects them once.
    ///
    /// In inference (no training mode, no gradients) with more than one item and more than
    /// one thread, each thread encodes a share of the items with its kernels run serially: a
    /// sampler's lower levels run sequences of about twenty tokens whose products take a few
    /// microseconds, too short to share out op by op. Every item's outputs are computed the
    /// same way whichever share it is in, so the result has the same bits.
    func encode(conditionTokens: Tensor, features: Tensor, masked: [Bool]?, pitchOrigins: [Int]? = nil,
                generator: inout Engine.RandomGenerator) -> Tensor {
        let batch = features.shape[0]
        precondition(features.shape == [batch, geometry.tokens, geometry.featuresPerPatch],
                     "level \(level) expects patch features [\(batch), \(geometry.tokens), \(geometry.featuresPerPatch)], got \(features.shape)")
        precondition(conditionTokens.rank == 3 && conditionTokens.shape[0] == batch && conditionTokens.shape[1] == conditionCount,
                     "level \(level) expects condition tokens [\(batch), \(conditionCount), width], got \(conditionTokens.shape)")
        if let masked, maskToken != nil {
            precondition(masked.count == batch * geometry.tokens, "level \(level): mask needs \(batch * geometry.tokens) flags")
        }
        if pitchEmbedding != nil {
            precondition(pitchOrigins?.count == batch, "level \(level) needs the pitch origin of each of its \(batch) items")
        }
        let shares = min(batch, Engine.threadCount)
        guard shares > 1, !isTraining, !Engine.isRecording else {
            return encodeAll(conditionTokens: conditionTokens, features: features, masked: masked,
                             pitchOrigins: pitchOrigins, generator: &generator)
        }
        // Out of training mode no dropout draws from the generator, so each share's copy of
        // it is never advanced and the caller's stays as it was.
        let tokens = geometry.tokens, fixedGenerator = generator
        var outputs = [Tensor?](repeating: nil, count: shares)
        outputs.withUnsafeMutableBufferPointer { outputs in
            Engine.runConcurrently(shares) { share in
                let items = (share * batch / shares)..<((share + 1) * batch / shares)
                var generator = fixedGenerator
                outputs[share] = encodeAll(
                    conditionTokens: conditionTokens.sliced(alongAxis: 0, items),
                    features: features.sliced(alongAxis: 0, items),
                    masked: maskToken == nil ? nil : masked.map { Array($0[(items.lowerBound * tokens)..<(items.upperBound * tokens)]) },
                    pitchOrigins: pitchOrigins.map { Array($0[items]) }, generator: &generator)
            }
        }
        return Tensor.concatenate(outputs.map { $0! }, alongAxis: 0)
    }

    /// ``encode(conditionTokens:features:masked:pitchOrigins:generator:)`` of the whole batch
    /// at once, its arguments already checked.
    private func encodeAll(conditionTokens: Tensor, features: Tensor, masked: [Bool]?, pitchOrigins: [Int]?,
                           generator: inout Engine.RandomGenerator) -> Tensor {
        let batch = features.shape[0]
        let ordered = type == .ar && scanOrder != Array(0..<geometry.tokens)
            ? features.indexSelect(alongAxis: 1, indices: scanOrder.map(Int32.init)) : features
        var patches = patchEmbed(ordered)
        if let masked, let maskToken {
            let flags = Tensor(shape: [batch, geometry.tokens, 1], scalars: masked.map { $0 ? 1 : 0 })
            patches = Tensor.select(where: flags, maskToken, patches)
        }
        if let pitchEmbedding {
            let bands = pitchBands(origins: pitchOrigins!, tokens: type == .ar ? scanOrder : Array(0..<geometry.tokens))
            patches = patches + pitchEmbedding.embedding(indices: bands, indexShape: [batch, geometry.tokens])
        }
        var x = Tensor.concatenate([conditionTokens, patches], alongAxis: 1) + posEmbed
        for block in blocks.layers {
            x = block(x, causal: type == .ar, generator: &generator)
        }
        return norm(x)
    }

    /// The conditions handed down with the chosen patches, `[picks, c', width]`: for MAR the
    /// patch's own output and its top/right/bottom/left neighbours' (zeros past the grid's
    /// borders); for AR the output at the position before the patch in scan order.
    /// `outputs` is `encode`'s result; with `branches` = 2 it holds the conditional items
    /// followed by the null-label items, and the result holds the picks of both halves in
    /// the same arrangement.
    func handDown(_ outputs: Tensor, picks: [PatchReference], branches: Int = 1) -> Tensor {
        let batch = outputs.shape[0], sequence = outputs.shape[1]
        let items = batch / branches
        switch type {
        case .mar:
            return GeneratorLevel.neighbourConditions(
                patchOutputs: outputs.sliced(alongAxis: 1, conditionCount..<sequence),
                geometry: geometry, picks: picks.map { ($0.item, $0.token) }, branches: branches)
        case .ar:
            let inverse = inverseScan
            var indices: [Int32] = []
            indices.reserveCapacity(picks.count * branches)
            for branch in 0..<branches {
                for pick in picks {
                    let row = (branch * items + pick.item) * sequence + conditionCount - 1 + inverse[pick.token]
                    indices.append(Int32(row))
                }
            }
            return outputs.reshaped([batch * sequence, width]).indexSelect(alongAxis: 0, indices: indices)
                .reshaped([picks.count * branches, 1, width])
        }
    }

    /// The five conditions a MAR level hands down per chosen patch, gathered
    /// from `patchOutputs` (`[batch, tokens, width]`, natural token order): the patch's own
    /// output, then its top, right, bottom and left neighbours' on `geometry`'s grid, zeros
    /// past a border. `picks` are (item, token) pairs; with `branches` = 2 the batch holds the
    /// conditional items followed by the null-label items and the result repeats the picks
    /// for the second half. Returns `[picks · branches, 5, width]`.
    public static func neighbourConditions(patchOutputs: Tensor, geometry: LevelGeometry,
                                           picks: [(item: Int, token: Int)], branches: Int = 1) -> Tensor {
        let (batch, tokens, width) = (patchOutputs.shape[0], patchOutputs.shape[1], patchOutputs.shape[2])
        precondition(tokens == geometry.tokens, "neighbourConditions: \(tokens) outputs for a grid of \(geometry.tokens)")
        let items = batch / branches
        let padded = Tensor.concatenate([patchOutputs, Tensor.zeros([batch, 1, width])], alongAxis: 1)
            .reshaped([batch * (tokens + 1), width])
        var indices: [Int32] = []
        indices.reserveCapacity(picks.count * branches * 5)
        for branch in 0..<branches {
            for pick in picks {
                let base = (branch * items + pick.item) * (tokens + 1)
                for source in geometry.handDownSources(of: pick.token) {
                    indices.append(Int32(base + (source ?? tokens)))
                }
            }
        }
        return padded.indexSelect(alongAxis: 0, indices: indices).reshaped([picks.count * branches, 5, width])
    }

    /// A cached causal decoder over this (AR) level's sequence: feed the condition tokens
    /// once, then one patch at a time in scan order; ``ARDecoder/nextCondition`` is always the
    /// output at the last position fed, the condition of the next patch.
    public func makeDecoder(conditions: Tensor, pitchOrigins: [Int]? = nil) -> ARDecoder {
        ARDecoder(level: self, conditions: conditions, pitchOrigins: pitchOrigins)
    }
}

/// Key/value-cached decoding of an AR level: each step appends one token to
/// every block's cache and attends it over the prefix, never re-encoding the prefix.
public final class ARDecoder {
    let level: GeneratorLevel
    let caches: [KVCache]
    let pitchOrigins: [Int]?
    /// Patches fed so far.
    public private(set) var patchesFed = 0
    /// The final-norm output at the last position fed, `[batch, width]`: the condition of
    /// the patch at scan position ``patchesFed``.
    public private(set) var nextCondition: Tensor

    init(level: GeneratorLevel, conditions: Tensor, pitchOrigins: [Int]?) {
        precondition(level.type == .ar, "only AR levels decode with a cache")
        let batch = conditions.shape[0]
        precondition(level.pitchEmbedding == nil || pitchOrigins?.count == batch,
                     "level \(level.level) needs the pitch origin of each of its \(batch) items")
        self.level = level
        self.pitchOrigins = pitchOrigins
        let capacity = level.conditionCount + level.geometry.tokens
        caches = level.blocks.layers.map { $0.attn.makeCache(batch: batch, capacity: capacity) }
        let tokens = Engine.withoutGradients {
            level.conditionTokens(conditions) + level.posEmbed.sliced(alongAxis: 0, 0..<level.conditionCount)
        }
        nextCondition = Tensor.zeros([batch, level.width])
        nextCondition = run(tokens)
    }

    /// Feeds the patch at the next scan position (`features` `[batch, 3p²]`) and updates
    /// ``nextCondition``.
    public func feed(features: Tensor) {
        precondition(patchesFed < level.geometry.tokens - 1, "every patch that conditions another has been fed")
        let batch = features.shape[0]
        let position = level.conditionCount + patchesFed
        let token = Engine.withoutGradients {
            var token = level.patchEmbed(features.reshaped([batch, 1, level.geometry.featuresPerPatch]))
                + level.posEmbed.sliced(alongAxis: 0, position..<(position + 1))
            if let pitchEmbedding = level.pitchEmbedding, let pitchOrigins {
                let bands = level.pitchBands(origins: pitchOrigins, tokens: [level.scanOrder[patchesFed]])
                token = token + pitchEmbedding.embedding(indices: bands, indexShape: [batch, 1])
            }
            return token
        }
        patchesFed += 1
        nextCondition = run(token)
    }

    private func run(_ tokens: Tensor) -> Tensor {
        Engine.withoutGradients {
            var x = tokens
            for (block, cache) in zip(level.blocks.layers, caches) { x = block.decode(x, cache: cache) }
            let last = x.sliced(alongAxis: 1, (x.shape[1] - 1)..<x.shape[1])
            return level.norm(last).reshaped([x.shape[0], level.width])
        }
    }
}
