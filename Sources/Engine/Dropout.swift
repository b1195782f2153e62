/// Inverted dropout with a caller-supplied random stream.

extension Tensor {
    /// Zeroes each element with probability `probability` and scales the survivors by
    /// `1 / (1 − probability)`, drawing one uniform per element from `generator` (so the same
    /// generator state gives the same mask at any thread count). A probability of 0 returns
    /// the input unchanged.
    ///
    /// One pass draws the mask and writes the result; when the result is recorded, the mask
    /// is kept for the backward as one bit per element.
    public func dropout(probability: Float, generator: inout Engine.RandomGenerator) -> Tensor {
        require(probability >= 0 && probability < 1, "dropout probability \(probability) must be in [0, 1)")
        if probability == 0 { return self }
        let first = generator.reserve(count)
        let seed = generator.seed
        let keep = 1 / (1 - probability)
        let count = self.count
        let out = Tensor(uninitializedShape: shape)
        let recording = needsGradient && Engine.isRecording
        // Bit j of byte b is set when element 8b + j is dropped.
        var dropped = [UInt8](repeating: 0, count: recording ? (count + 7) / 8 : 0)
        let x = pointer, o = out.pointer
        dropped.withUnsafeMutableBufferPointer { dropped in
            Engine.parallelChunks((count + 7) / 8, grain: 512) { bytes in
                let start = bytes.lowerBound * 8, end = min(count, bytes.upperBound * 8)
                // The factors first (0 or `keep`, never 0 when kept), in a loop that vectorises.
                for i in start..<end {
                    let u = Engine.RandomGenerator.unitFloat(Engine.RandomGenerator.bits(seed: seed, index: first &+ UInt64(i)))
                    o[i] = u < probability ? 0 : keep
                }
                if recording {
                    let lanes = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128), one = SIMD8<UInt32>(repeating: 1)
                    for byte in bytes {
                        let i = byte * 8
                        if i + 8 <= end {
                            // A kept factor has a non-zero bit pattern: 1 in its lane's bit.
                            let kept = pointwiseMin(unsafeBitCast(load(o + i), to: SIMD8<UInt32>.self), one)
                            dropped[byte] = ~UInt8(truncatingIfNeeded: (kept &* lanes).wrappedSum())
                        } else {
                            var bits: UInt8 = 0
                            for j in i..<end { bits |= (o[j] == 0 ? 1 : 0) << UInt8(j - i) }
                            dropped[byte] = bits
                        }
                    }
                }
                for i in start..<end { o[i] = x[i] * o[i] }
            }
        }
        return Tensor.record(out, inputs: [self]) { g in [droppingOut(g, dropped: dropped, keep: keep)] }
    }
}

/// `g` times the dropout mask (0 where a bit of `dropped` is set, `keep` elsewhere).
private func droppingOut(_ g: Tensor, dropped: [UInt8], keep: Float) -> Tensor {
    let out = Tensor(uninitializedShape: g.shape)
    let count = g.count
    let pg = g.pointer, po = out.pointer
    // The eight factors of every byte value, so that a byte of the mask is one vector load.
    var factors = [Float](repeating: keep, count: 256 * 8)
    for byte in 0..<256 { for bit in 0..<8 where byte & (1 << bit) != 0 { factors[byte * 8 + bit] = 0 } }
    dropped.withUnsafeBufferPointer { dropped in
        factors.withUnsafeBufferPointer { factors in
            let table = factors.baseAddress!
            Engine.parallelChunks((count + 7) / 8, grain: Engine.elementwiseGrain / 8) { bytes in
                for byte in bytes {
                    let factor = table + Int(dropped[byte]) * 8
                    let i = byte * 8
                    if i + 8 <= count {
                        store(load(pg + i) * load(factor), po + i)
                    } else {
                        for j in i..<count { po[j] = pg[j] * factor[j - i] }
                    }
                }
            }
        }
    }
    return out
}
