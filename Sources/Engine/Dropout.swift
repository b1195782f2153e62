/// Inverted dropout with a caller-supplied random stream.

extension Tensor {
    /// Zeroes each element with probability `probability` and scales the survivors by
    /// `1 / (1 − probability)`, drawing one uniform per element from `generator` (so the same
    /// generator state gives the same mask at any thread count). A probability of 0 returns
    /// the input unchanged.
    public func dropout(probability: Float, generator: inout Engine.RandomGenerator) -> Tensor {
        require(probability >= 0 && probability < 1, "dropout probability \(probability) must be in [0, 1)")
        if probability == 0 { return self }
        let mask = Tensor(uninitializedShape: shape)
        let first = generator.reserve(count)
        let seed = generator.seed
        let keep = 1 / (1 - probability)
        let m = mask.pointer
        Engine.parallelChunks(count, grain: 4096) { range in
            for i in range {
                let u = Engine.RandomGenerator.unitFloat(Engine.RandomGenerator.bits(seed: seed, index: first &+ UInt64(i)))
                m[i] = u < probability ? 0 : keep
            }
        }
        let out = broadcastBinary(MultiplyOperation.self, self, mask)
        return Tensor.record(out, inputs: [self]) { g in [broadcastBinary(MultiplyOperation.self, g, mask)] }
    }
}
