import Engine

/// A table of learned vectors looked up by index (parameter name `weight`, `[count, width]`,
/// initialised normal with standard deviation 0.02 by default).
public final class Embedding: Layer {
    /// `[count, width]`.
    public let weight: Tensor
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining = true

    /// A table of `count` vectors of `width` values.
    public init(count: Int, width: Int, initializer: Initializer = .normal(standardDeviation: 0.02),
                generator: inout Engine.RandomGenerator) {
        precondition(count > 0 && width > 0, "Embedding needs positive sizes")
        weight = initializer.makeParameter([count, width], generator: &generator)
    }

    /// The parameters this layer owns directly, by local name.
    public var parameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    /// The vectors for `indices`, shaped `shape + [width]`.
    public func callAsFunction(_ indices: [Int32], shape: [Int]) -> Tensor {
        weight.embedding(indices: indices, indexShape: shape)
    }
}
