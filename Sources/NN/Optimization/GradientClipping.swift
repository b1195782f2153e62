import Engine

/// Gradient-norm clipping over all parameters at once.
public enum GradientClipping {
    /// Scales every gradient so that their global L2 norm is at most `maxNorm`, and returns
    /// the norm before clipping (as `torch.nn.utils.clip_grad_norm_`: the scale is
    /// `maxNorm / (norm + 1e-6)` when that is below 1). Parameters without a gradient are
    /// skipped. A non-finite norm leaves the gradients unchanged and is returned as is, so the
    /// caller can skip the step.
    @discardableResult
    public static func clipGlobalNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
        var sumOfSquares: Double = 0
        for parameter in parameters {
            guard let grad = parameter.grad else { continue }
            sumOfSquares += grad.withUnsafeBufferPointer(Self.sumOfSquares)
        }
        let norm = Float(sumOfSquares.squareRoot())
        guard norm.isFinite else { return norm }
        let scale = maxNorm / (norm + 1e-6)
        if scale < 1 {
            for parameter in parameters {
                parameter.grad?.withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] *= scale }
                }
            }
        }
        return norm
    }

    /// Σ x², accumulated in blocks of 4096 floats (8 SIMD lanes) and across blocks in `Double`.
    static func sumOfSquares(_ values: UnsafeBufferPointer<Float>) -> Double {
        var total: Double = 0
        var start = 0
        while start < values.count {
            let end = min(start + 4096, values.count)
            var lanes = SIMD8<Float>()
            var i = start
            while i + 8 <= end {
                let v = SIMD8<Float>(values[(i)..<(i + 8)])
                lanes += v * v
                i += 8
            }
            var block = lanes.sum()
            while i < end {
                block += values[i] * values[i]
                i += 1
            }
            total += Double(block)
            start = end
        }
        return total
    }
}
