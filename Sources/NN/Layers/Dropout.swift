import Engine

/// Inverted dropout that is active only in training mode and with a non-zero probability.
/// It draws from the generator passed to each call, so a training step is reproducible
/// from the generator's seed and counter.
public final class Dropout: Layer {
    /// The probability of zeroing an element.
    public let probability: Float
    /// Whether the layer is in training mode (see ``Layer/isTraining``).
    public var isTraining = true

    /// Dropout with `probability` in [0, 1).
    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "dropout probability \(probability) must be in [0, 1)")
        self.probability = probability
    }

    /// Whether a call changes its input (training mode and a non-zero probability).
    public var isActive: Bool { isTraining && probability > 0 }

    /// `x` with dropout applied when active, else `x` itself.
    public func callAsFunction(_ x: Tensor, generator: inout Engine.RandomGenerator) -> Tensor {
        isActive ? x.dropout(probability: probability, generator: &generator) : x
    }
}
