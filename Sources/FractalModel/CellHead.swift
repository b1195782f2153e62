import Engine
import NN
import PianoRoll

/// The head that fills single cells: a tiny causal transformer over
/// [projected condition, state embedding]; position 0 predicts the cell state (silent,
/// sustain, onset), position 1 the velocity bin given an onset. The output layers are tied
/// to the embeddings (no output bias). Parameter names: `cond_proj.*`, `state_embedding`,
/// `velocity_embedding`, `pos_embed`, `blocks.<n>.*`, `norm.*`.
public final class CellHead: Layer {
    /// The token width.
    public let width: Int
    /// Projection of the parent's own output.
    public let condProj: Linear
    /// `[3, width]`: silent, sustain, onset.
    public let stateEmbedding: Tensor
    /// `[velocityBins, width]`.
    public let velocityEmbedding: Tensor
    /// `[2, width]`.
    public let posEmbed: Tensor
    /// The causal blocks.
    public let blocks: LayerList<TransformerBlock>
    /// The final LayerNorm.
    public let norm: LayerNorm
    public var isTraining = true

    init(width: Int, depth: Int, heads: Int, conditionWidth: Int, velocityBins: Int, initStd: Float,
         attentionDropout: Float, projectionDropout: Float, generator: inout Engine.RandomGenerator) {
        self.width = width
        let normal = Initializer.normal(standardDeviation: initStd)
        condProj = Linear(inputFeatures: conditionWidth, outputFeatures: width, generator: &generator)
        stateEmbedding = normal.makeParameter([3, width], generator: &generator)
        velocityEmbedding = normal.makeParameter([velocityBins, width], generator: &generator)
        posEmbed = normal.makeParameter([2, width], generator: &generator)
        let configuration = TransformerBlock.Configuration(width: width, heads: heads, attentionDropout: attentionDropout,
                                                           projectionDropout: projectionDropout)
        blocks = LayerList((0..<depth).map { _ in TransformerBlock(configuration, generator: &generator) })
        norm = LayerNorm(width: width, epsilon: 1e-6)
    }

    public var parameters: [(name: String, tensor: Tensor)] {
        [("state_embedding", stateEmbedding), ("velocity_embedding", velocityEmbedding), ("pos_embed", posEmbed)]
    }

    public var children: [(name: String, layer: any Layer)] {
        [("cond_proj", condProj), ("blocks", blocks), ("norm", norm)]
    }

    /// The state class of a storage code: 0 silent, 1 sustain, 2 onset.
    static func state(of code: UInt8) -> Int32 {
        code >= PianoRoll.Cell.firstOnsetCode ? 2 : Int32(code)
    }

    /// State logits `[cells, 3]` (from position 0) and velocity logits (from position 1, whose
    /// input is the embedding of `states`) for conditions `[cells, C]`: `[cells, bins]`, or
    /// only the rows of the cells listed in `velocityRows` (training needs onsets only).
    func logits(conditions: Tensor, states: [Int32], velocityRows: [Int32]? = nil,
                generator: inout Engine.RandomGenerator) -> (state: Tensor, velocity: Tensor?) {
        let cells = conditions.shape[0]
        let first = condProj(conditions).reshaped([cells, 1, width])
        let second = stateEmbedding.embedding(indices: states, indexShape: [cells, 1])
        var x = Tensor.concatenate([first, second], alongAxis: 1) + posEmbed
        for block in blocks.layers { x = block(x, causal: true, generator: &generator) }
        x = norm(x)
        let h0 = x.sliced(alongAxis: 1, 0..<1).reshaped([cells, width])
        var h1 = x.sliced(alongAxis: 1, 1..<2).reshaped([cells, width])
        if let velocityRows {
            guard !velocityRows.isEmpty else { return (h0.matmul(stateEmbedding, transposeOther: true), nil) }
            h1 = h1.indexSelect(alongAxis: 0, indices: velocityRows)
        }
        return (h0.matmul(stateEmbedding, transposeOther: true), h1.matmul(velocityEmbedding, transposeOther: true))
    }
}
