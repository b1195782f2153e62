import Engine
import Testing

/// A pre-norm transformer block's forward and backward, used to check determinism.
func blockLoss(seed: UInt64, batch: Int, length: Int, width: Int, heads: Int) -> (Float, [Float]) {
    var generator = Engine.RandomGenerator(seed: seed)
    func parameter(_ shape: [Int], _ std: Float) -> Tensor {
        Tensor.randomNormal(shape, standardDeviation: std, generator: &generator, requiresGrad: true)
    }
    let x = Tensor.randomNormal([batch, length, width], generator: &generator)
    let qkvWeight = parameter([3 * width, width], 0.1), qkvBias = parameter([3 * width], 0.1)
    let upWeight = parameter([4 * width, width], 0.1), downWeight = parameter([width, 4 * width], 0.1)
    let norm = parameter([width], 1)
    var dropoutStream = generator.stream(1)
    let loss = Engine.withGradients { () -> Tensor in
        let qkv = x.layerNorm(weight: norm, bias: nil).linear(weight: qkvWeight, bias: qkvBias)
        let attended = Tensor.attention(packedQKV: qkv, heads: heads, causal: true) + x
        let hidden = attended.linear(weight: upWeight).gelu().dropout(probability: 0.1, generator: &dropoutStream)
        return (hidden.linear(weight: downWeight) + attended).softmax().squared().mean()
    }
    loss.backward()
    return (loss.item, qkvWeight.grad!.scalars + norm.grad!.scalars + upWeight.grad!.scalars)
}

@Suite(.serialized) struct TrainingTests {
    @Test func sameSeedAndThreadsGiveIdenticalBits() {
        let original = Engine.threadCount
        defer { Engine.setThreadCount(original) }
        for threads in [1, 2] {
            Engine.setThreadCount(threads)
            let a = blockLoss(seed: 7, batch: 3, length: 9, width: 32, heads: 4)
            let b = blockLoss(seed: 7, batch: 3, length: 9, width: 32, heads: 4)
            #expect(a.0 == b.0)
            #expect(a.1 == b.1)
            let c = blockLoss(seed: 8, batch: 3, length: 9, width: 32, heads: 4)
            #expect(a.1 != c.1)
        }
    }

    @Test func tinyMultilayerPerceptronLearnsACircle() {
        // Points in [−1, 1]²; class 1 inside the circle of radius 0.6. 2 → 32 → 2 with GELU,
        // trained with plain full-batch SGD.
        var generator = Engine.RandomGenerator(seed: 11)
        let points = Tensor.randomUniform([256, 2], in: -1..<1, generator: &generator)
        let xy = points.scalars
        let labels: [Int32] = (0..<256).map { i in
            let x: Float = xy[2 * i], y: Float = xy[2 * i + 1]
            let inside: Bool = x * x + y * y < 0.36
            return inside ? 1 : 0
        }
        let parameters = [
            Tensor.randomNormal([32, 2], standardDeviation: 1, generator: &generator, requiresGrad: true),
            Tensor.zeros([32], requiresGrad: true),
            Tensor.randomNormal([2, 32], standardDeviation: 0.2, generator: &generator, requiresGrad: true),
            Tensor.zeros([2], requiresGrad: true),
        ]
        func loss() -> Tensor {
            let hidden = points.linear(weight: parameters[0], bias: parameters[1]).gelu()
            return Tensor.crossEntropy(logits: hidden.linear(weight: parameters[2], bias: parameters[3]), targets: labels)
        }
        let initial = loss().item
        for _ in 0..<300 {
            for p in parameters { p.zeroGradient() }
            Engine.withGradients { loss() }.backward()
            for p in parameters {
                let g = p.grad!.scalars
                p.withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] -= 1.0 * g[i] }
                }
            }
        }
        let final = loss().item
        #expect(initial > 0.5)
        #expect(final < 0.1, "loss went from \(initial) to \(final)")
    }
}
