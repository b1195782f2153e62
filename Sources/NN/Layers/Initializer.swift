import Engine

/// How a parameter's initial values are drawn. Every random initialiser draws from an
/// `Engine.RandomGenerator`, so the same seed gives the same parameters.
public enum Initializer: Sendable, Equatable {
    /// Uniform in ±√(6 / (fanIn + fanOut)) (Glorot & Bengio; PyTorch's `xavier_uniform_`).
    /// For a `[out, in, …]` weight, fanIn = in · receptive field, fanOut = out · receptive field.
    case xavierUniform
    /// Normal with mean 0 and the given standard deviation (`trunc_normal_`-free `normal_`).
    case normal(standardDeviation: Float)
    /// All zeros (biases, LayerNorm shifts).
    case zeros
    /// All ones (LayerNorm scales).
    case ones

    /// A new leaf parameter of `shape` (it requires gradients) filled by this initialiser.
    public func makeParameter(_ shape: [Int], generator: inout Engine.RandomGenerator) -> Tensor {
        switch self {
        case .xavierUniform:
            precondition(shape.count >= 2, "xavier uniform needs a weight of rank 2 or more, not \(shape)")
            let receptive = shape.dropFirst(2).reduce(1, *)
            let fanIn = shape[1] * receptive, fanOut = shape[0] * receptive
            let bound = (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor.randomUniform(shape, in: -bound..<bound, generator: &generator, requiresGrad: true)
        case let .normal(standardDeviation):
            return Tensor.randomNormal(shape, standardDeviation: standardDeviation, generator: &generator, requiresGrad: true)
        case .zeros:
            return Tensor.zeros(shape, requiresGrad: true)
        case .ones:
            return Tensor.ones(shape, requiresGrad: true)
        }
    }
}
