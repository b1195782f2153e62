import Engine

/// Multi-head self-attention in the timm / FractalGen layout: one fused `qkv` Linear
/// (`width → 3·width`, with bias) whose output columns are `[queries | keys | values]`, each
/// split into `heads` contiguous groups of `width / heads` columns; scaled dot-product
/// attention per head (scale 1/√(width/heads)); then a `proj` Linear (`width → width`).
///
/// Parameter names: `qkv.weight`, `qkv.bias`, `proj.weight`, `proj.bias`. Masks: `causal`
/// (query i sees keys j ≤ i) and a key-padding mask (`batch × length` flags, `true` = padding,
/// ignored as a key). Dropout on the attention probabilities (`attentionDropout`) and on the
/// output (`projectionDropout`) in training mode. ``decode(_:cache:)`` is the cached causal
/// inference path: it attends new tokens over an `Engine.KVCache` without re-encoding the prefix.
public final class MultiHeadAttention: Layer {
    /// The fused query/key/value projection.
    public let qkv: Linear
    /// The output projection.
    public let proj: Linear
    /// The number of heads.
    public let heads: Int
    /// Dropout on the attention probabilities.
    public let attentionDropout: Dropout
    /// Dropout on the output projection.
    public let projectionDropout: Dropout
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining = true

    /// Attention over rows of `width` values split into `heads` heads.
    public init(width: Int, heads: Int, attentionDropout: Float = 0, projectionDropout: Float = 0,
                generator: inout Engine.RandomGenerator) {
        precondition(heads > 0 && width % heads == 0, "attention width \(width) is not divisible by \(heads) heads")
        self.heads = heads
        qkv = Linear(inputFeatures: width, outputFeatures: 3 * width, generator: &generator)
        proj = Linear(inputFeatures: width, outputFeatures: width, generator: &generator)
        self.attentionDropout = Dropout(probability: attentionDropout)
        self.projectionDropout = Dropout(probability: projectionDropout)
    }

    /// The width of a token.
    public var width: Int { proj.outputFeatures }

    /// The sub-layers, by local name (the names in the dotted parameter paths).
    public var children: [(name: String, layer: any Layer)] {
        [("qkv", qkv), ("proj", proj), ("attn_drop", attentionDropout), ("proj_drop", projectionDropout)]
    }

    /// Self-attention over `x` (`[batch, length, width]`), drawing dropout masks from `generator`.
    public func callAsFunction(_ x: Tensor, causal: Bool = false, keyPaddingMask: [Bool]? = nil,
                               generator: inout Engine.RandomGenerator) -> Tensor {
        let packed = qkv(x)
        let mixed = attentionDropout.isActive
            ? Tensor.attention(packedQKV: packed, heads: heads, causal: causal, keyPaddingMask: keyPaddingMask,
                               dropout: attentionDropout.probability, generator: &generator)
            : Tensor.attention(packedQKV: packed, heads: heads, causal: causal, keyPaddingMask: keyPaddingMask)
        return projectionDropout(proj(mixed), generator: &generator)
    }

    /// Self-attention without dropout (evaluation mode, or dropout probabilities of 0).
    public func callAsFunction(_ x: Tensor, causal: Bool = false, keyPaddingMask: [Bool]? = nil) -> Tensor {
        precondition(!attentionDropout.isActive && !projectionDropout.isActive,
                     "dropout is active in training mode: pass a generator")
        var unused = Engine.RandomGenerator(seed: 0)
        return self(x, causal: causal, keyPaddingMask: keyPaddingMask, generator: &unused)
    }

    /// A key/value cache for ``decode(_:cache:)`` of `batch` sequences up to `capacity` tokens.
    public func makeCache(batch: Int, capacity: Int) -> KVCache {
        KVCache(batch: batch, heads: heads, width: width, capacity: capacity)
    }

    /// Causal attention of the next tokens `x` (`[batch, newTokens, width]`) over everything
    /// decoded so far plus themselves; appends their keys and values to `cache`. Equals the
    /// corresponding rows of `self(fullSequence, causal: true)`. Inference only.
    public func decode(_ x: Tensor, cache: KVCache) -> Tensor {
        let packed = qkv(x)
        let width = self.width
        let query = packed.sliced(alongAxis: 2, 0..<width)
        cache.append(key: packed.sliced(alongAxis: 2, width..<(2 * width)),
                     value: packed.sliced(alongAxis: 2, (2 * width)..<(3 * width)))
        return proj(cache.attend(query: query))
    }
}
