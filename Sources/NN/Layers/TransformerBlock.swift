import Engine

/// The MLP of a transformer block: `fc2(dropout(GELU(fc1(x))))` then dropout, with
/// `fc1: width → ratio·width` (timm's `Mlp`). Parameter names `fc1.*`, `fc2.*`.
public final class FeedForward: Layer {
    /// The expansion layer.
    public let fc1: Linear
    /// The projection back to the width.
    public let fc2: Linear
    /// Dropout after the activation and after `fc2`.
    public let dropout: Dropout
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining = true

    /// An MLP with a hidden width of `hiddenWidth`.
    public init(width: Int, hiddenWidth: Int, dropout: Float = 0, generator: inout Engine.RandomGenerator) {
        fc1 = Linear(inputFeatures: width, outputFeatures: hiddenWidth, generator: &generator)
        fc2 = Linear(inputFeatures: hiddenWidth, outputFeatures: width, generator: &generator)
        self.dropout = Dropout(probability: dropout)
    }

    /// The sub-layers, by local name (the names in the dotted parameter paths).
    public var children: [(name: String, layer: any Layer)] { [("fc1", fc1), ("fc2", fc2), ("drop", dropout)] }

    /// Applies the MLP to `x` of shape `[..., width]`.
    public func callAsFunction(_ x: Tensor, generator: inout Engine.RandomGenerator) -> Tensor {
        dropout(fc2(dropout(fc1(x).gelu(), generator: &generator)), generator: &generator)
    }
}

/// A pre-norm transformer block (timm's ViT `Block`, as in FractalGen):
///
///     x = x + attn(norm1(x))
///     x = x + mlp(norm2(x))        mlp: width → 4·width → width with GELU
///
/// Parameter names: `norm1.*`, `attn.qkv.*`, `attn.proj.*`, `norm2.*`, `mlp.fc1.*`, `mlp.fc2.*`.
public final class TransformerBlock: Layer {
    /// The hyper-parameters of a block.
    public struct Configuration: Sendable, Equatable {
        /// The token width.
        public var width: Int
        /// The number of attention heads (must divide `width`).
        public var heads: Int
        /// The MLP's hidden width as a multiple of `width`.
        public var mlpRatio: Int
        /// The LayerNorm epsilon (1e-6 as in ViT / FractalGen).
        public var layerNormEpsilon: Float
        /// Dropout on the attention probabilities (training only).
        public var attentionDropout: Float
        /// Dropout after the attention projection and in the MLP (training only).
        public var projectionDropout: Float

        /// A block configuration; dropout is off by default.
        public init(width: Int, heads: Int, mlpRatio: Int = 4, layerNormEpsilon: Float = 1e-6,
                    attentionDropout: Float = 0, projectionDropout: Float = 0) {
            self.width = width
            self.heads = heads
            self.mlpRatio = mlpRatio
            self.layerNormEpsilon = layerNormEpsilon
            self.attentionDropout = attentionDropout
            self.projectionDropout = projectionDropout
        }
    }

    /// The configuration this block was built with.
    public let configuration: Configuration
    /// Normalisation before attention.
    public let norm1: LayerNorm
    /// Self-attention.
    public let attn: MultiHeadAttention
    /// Normalisation before the MLP.
    public let norm2: LayerNorm
    /// The MLP.
    public let mlp: FeedForward
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining = true

    /// A block with freshly initialised parameters drawn from `generator`.
    public init(_ configuration: Configuration, generator: inout Engine.RandomGenerator) {
        self.configuration = configuration
        let width = configuration.width
        norm1 = LayerNorm(width: width, epsilon: configuration.layerNormEpsilon)
        attn = MultiHeadAttention(width: width, heads: configuration.heads,
                                  attentionDropout: configuration.attentionDropout,
                                  projectionDropout: configuration.projectionDropout, generator: &generator)
        norm2 = LayerNorm(width: width, epsilon: configuration.layerNormEpsilon)
        mlp = FeedForward(width: width, hiddenWidth: configuration.mlpRatio * width,
                          dropout: configuration.projectionDropout, generator: &generator)
    }

    /// The sub-layers, by local name (the names in the dotted parameter paths).
    public var children: [(name: String, layer: any Layer)] {
        [("norm1", norm1), ("attn", attn), ("norm2", norm2), ("mlp", mlp)]
    }

    /// Whether a forward pass draws dropout masks (training mode with non-zero dropout).
    public var usesDropout: Bool {
        isTraining && (configuration.attentionDropout > 0 || configuration.projectionDropout > 0)
    }

    /// Applies the block to `x` (`[batch, length, width]`), drawing dropout masks from `generator`.
    public func callAsFunction(_ x: Tensor, causal: Bool = false, keyPaddingMask: [Bool]? = nil,
                               generator: inout Engine.RandomGenerator) -> Tensor {
        let h = x + attn(norm1(x), causal: causal, keyPaddingMask: keyPaddingMask, generator: &generator)
        return h + mlp(norm2(h), generator: &generator)
    }

    /// Applies the block without dropout (evaluation mode, or dropout probabilities of 0).
    public func callAsFunction(_ x: Tensor, causal: Bool = false, keyPaddingMask: [Bool]? = nil) -> Tensor {
        precondition(!usesDropout, "dropout is active in training mode: pass a generator")
        var unused = Engine.RandomGenerator(seed: 0)
        return self(x, causal: causal, keyPaddingMask: keyPaddingMask, generator: &unused)
    }

    /// The cached causal inference path: the block's output for the next tokens `x`
    /// (`[batch, newTokens, width]`) given the prefix held in `cache` (from
    /// `attn.makeCache`), appending the new tokens to it. Inference only; no dropout.
    public func decode(_ x: Tensor, cache: KVCache) -> Tensor {
        let h = x + attn.decode(norm1(x), cache: cache)
        return h + mlp.fc2(mlp.fc1(norm2(h)).gelu())
    }
}
