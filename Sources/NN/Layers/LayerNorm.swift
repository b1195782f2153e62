import Engine

/// Layer normalisation over the last axis with a learned scale and shift
/// (parameter names `weight`, `bias`; initialised to ones and zeros).
public final class LayerNorm: Layer {
    /// The scale, `[width]`.
    public let weight: Tensor
    /// The shift, `[width]`.
    public let bias: Tensor
    /// Added to the variance (PyTorch's default 1e-5; ViT blocks use 1e-6).
    public let epsilon: Float
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining = true

    /// A normalisation over rows of `width` values.
    public init(width: Int, epsilon: Float = 1e-5) {
        precondition(width > 0, "LayerNorm needs a positive width")
        weight = Tensor.ones([width], requiresGrad: true)
        bias = Tensor.zeros([width], requiresGrad: true)
        self.epsilon = epsilon
    }

    /// The parameters this layer owns directly, by local name.
    public var parameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    /// Normalises `x` of shape `[..., width]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.layerNorm(weight: weight, bias: bias, epsilon: epsilon)
    }
}
