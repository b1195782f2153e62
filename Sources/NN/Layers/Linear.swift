import Engine

/// A fully connected layer `y = x · weightᵀ + bias`, with `weight` of shape `[out, in]`
/// as in PyTorch. Parameter names: `weight`, `bias`.
public final class Linear: Layer {
    /// `[outputFeatures, inputFeatures]`.
    public let weight: Tensor
    /// `[outputFeatures]`, or nil for a layer without bias.
    public let bias: Tensor?
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining = true

    /// A layer with xavier-uniform weights and zero bias by default (timm / FractalGen's init).
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true,
                weightInitializer: Initializer = .xavierUniform, generator: inout Engine.RandomGenerator) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Linear needs positive sizes")
        weight = weightInitializer.makeParameter([outputFeatures, inputFeatures], generator: &generator)
        self.bias = bias ? Initializer.zeros.makeParameter([outputFeatures], generator: &generator) : nil
    }

    /// The number of input features.
    public var inputFeatures: Int { weight.shape[1] }
    /// The number of output features.
    public var outputFeatures: Int { weight.shape[0] }

    /// The parameters this layer owns directly, by local name.
    public var parameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Applies the layer to `x` of shape `[..., inputFeatures]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.linear(weight: weight, bias: bias)
    }
}
