import Engine
import Testing

/// Deterministic test data.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, requiresGrad: Bool = true) -> Tensor {
    var generator = Engine.RandomGenerator(seed: seed)
    let values = (0..<shape.reduce(1, *)).map { _ in generator.normal() * scale }
    return Tensor(shape: shape, scalars: values, requiresGrad: requiresGrad)
}

/// Runs `body` with the engine at `threads` threads, then restores the previous count.
func withEngineThreads<R>(_ threads: Int, _ body: () -> R) -> R {
    let original = Engine.threadCount
    defer { Engine.setThreadCount(original) }
    Engine.setThreadCount(threads)
    return body()
}

/// Checks the gradients `backward()` gives for `inputs` against central finite differences
/// (every `elementStride`-th element, to keep large cases fast).
///
/// The scalar checked is L = Σ f(x) ⊙ R for a fixed random R (so every output element's
/// gradient matters). L is accumulated in Double from the fp32 outputs. With step h = 3e-3
/// the truncation error is O(h²·f''') ≈ 1e-5·f''' and the rounding error is about
/// ulp(fp32)·Σ|f·R| / h ≈ 6e-8·(≤ 50) / 6e-3 ≈ 5e-4 for the small tensors used here, so
/// |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric| holds for a correct backward and fails
/// for any wrong term (those give errors of the order of the gradient itself).
func checkGradients(_ inputs: [Tensor], tolerance: Double = 2e-3, elementStride: Int = 1,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) -> Tensor) {
    let probe = Engine.withoutGradients { f(inputs) }
    let weights = randomTensor(probe.shape, seed: 99, requiresGrad: false)
    let weightValues = weights.scalars.map(Double.init)
    func loss() -> Double {
        let out = f(inputs).scalars
        var total = 0.0
        for (o, w) in zip(out, weightValues) { total += Double(o) * w }
        return total
    }
    for input in inputs { input.zeroGradient() }
    let recorded = Engine.withGradients { (f(inputs) * weights).sum() }
    recorded.backward()
    let h: Float = 3e-3
    for (which, input) in inputs.enumerated() where input.requiresGrad {
        let analytic = input.grad?.scalars ?? Array(repeating: 0, count: input.count)
        for i in stride(from: which % elementStride, to: input.count, by: elementStride) {
            let original = input.withUnsafeBufferPointer { $0[i] }
            input.withUnsafeMutableBufferPointer { $0[i] = original + h }
            let plus = loss()
            input.withUnsafeMutableBufferPointer { $0[i] = original - h }
            let minus = loss()
            input.withUnsafeMutableBufferPointer { $0[i] = original }
            let numeric = (plus - minus) / Double(2 * h)
            let error = abs(Double(analytic[i]) - numeric)
            #expect(error <= tolerance + 1e-2 * abs(numeric),
                    "input \(which) element \(i): analytic \(analytic[i]) vs numeric \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }
}
