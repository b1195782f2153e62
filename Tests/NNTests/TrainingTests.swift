import Foundation
import Testing
import Engine
import NN

/// A two-layer perceptron.
final class MLP: Layer {
    let fc1: Linear, fc2: Linear
    var isTraining = true
    init(inputs: Int, hidden: Int, outputs: Int, generator: inout Engine.RandomGenerator) {
        fc1 = Linear(inputFeatures: inputs, outputFeatures: hidden, generator: &generator)
        fc2 = Linear(inputFeatures: hidden, outputFeatures: outputs, generator: &generator)
    }
    var children: [(name: String, layer: any Layer)] { [("fc1", fc1), ("fc2", fc2)] }
    func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).gelu()) }
}

/// Token embedding + learned positions + transformer blocks + final norm + output head.
final class SequenceModel: Layer {
    let tokens: Embedding
    let positions: Tensor
    let blocks: LayerList<TransformerBlock>
    let norm: LayerNorm
    let head: Linear
    var isTraining = true

    init(vocabulary: Int, length: Int, width: Int, heads: Int, depth: Int, generator: inout Engine.RandomGenerator) {
        tokens = Embedding(count: vocabulary, width: width, generator: &generator)
        positions = Initializer.normal(standardDeviation: 0.02).makeParameter([length, width], generator: &generator)
        blocks = LayerList((0..<depth).map { _ in TransformerBlock(.init(width: width, heads: heads), generator: &generator) })
        norm = LayerNorm(width: width, epsilon: 1e-6)
        head = Linear(inputFeatures: width, outputFeatures: vocabulary, generator: &generator)
    }

    var parameters: [(name: String, tensor: Tensor)] { [("pos_embed", positions)] }
    var children: [(name: String, layer: any Layer)] { [("tok_emb", tokens), ("blocks", blocks), ("norm", norm), ("head", head)] }

    /// Logits `[batch, length, vocabulary]` for token ids `[batch, length]`.
    func callAsFunction(_ ids: [Int32], batch: Int, length: Int) -> Tensor {
        var x = tokens(ids, shape: [batch, length]) + positions
        for block in blocks.layers { x = block(x) }
        return head(norm(x))
    }
}

@Suite("Training", .serialized)
struct TrainingTests {
    @Test("a tiny MLP learns XOR-by-quadrant (cross-entropy below 0.05)")
    func mlpLearns() {
        var rng = Engine.RandomGenerator(seed: 11)
        let model = MLP(inputs: 2, hidden: 32, outputs: 2, generator: &rng)
        let optimizer = AdamW(parameters: model.namedParameters())
        let schedule = LearningRateSchedule(peak: 2e-2, minimum: 1e-3, warmupSteps: 20, totalSteps: 300)
        var points: [Float] = [], labels: [Int32] = []
        for _ in 0..<128 {
            let a = rng.uniform(in: -1..<1), b = rng.uniform(in: -1..<1)
            points += [a, b]
            labels.append((a > 0) != (b > 0) ? 1 : 0)
        }
        let x = Tensor(shape: [128, 2], scalars: points)
        var loss: Float = .infinity
        for step in 0..<300 {
            let l = Engine.withGradients { Tensor.crossEntropy(logits: model(x), targets: labels) }
            loss = l.item
            optimizer.zeroGradients()
            l.backward()
            GradientClipping.clipGlobalNorm(model.namedParameters().map(\.tensor), maxNorm: 3)
            optimizer.step(learningRate: schedule.rate(atStep: step))
        }
        #expect(loss < 0.05, "final loss \(loss)")
    }

    @Test("a 2-block transformer learns to reverse a sequence (cross-entropy below 0.05)")
    func transformerLearnsReversal() {
        let (vocabulary, length, batch) = (8, 6, 32)
        var rng = Engine.RandomGenerator(seed: 12)
        let model = SequenceModel(vocabulary: vocabulary, length: length, width: 32, heads: 2, depth: 2, generator: &rng)
        let optimizer = AdamW(parameters: model.namedParameters())
        #expect(optimizer.groups.noDecay.contains { $0.name == "pos_embed" })
        #expect(optimizer.groups.noDecay.contains { $0.name == "tok_emb.weight" })
        let steps = 400
        let schedule = LearningRateSchedule(peak: 3e-3, minimum: 1e-4, warmupSteps: 30, totalSteps: steps)
        var recent: [Float] = []
        for step in 0..<steps {
            var ids: [Int32] = [], targets: [Int32] = []
            for _ in 0..<batch {
                let sequence = (0..<length).map { _ in Int32(rng.next() % UInt64(vocabulary)) }
                ids += sequence
                targets += sequence.reversed()
            }
            let loss = Engine.withGradients {
                Tensor.crossEntropy(logits: model(ids, batch: batch, length: length), targets: targets)
            }
            recent = Array((recent + [loss.item]).suffix(10))
            optimizer.zeroGradients()
            loss.backward()
            GradientClipping.clipGlobalNorm(model.namedParameters().map(\.tensor), maxNorm: 3)
            optimizer.step(learningRate: schedule.rate(atStep: step))
        }
        let average = recent.reduce(0, +) / Float(recent.count)
        #expect(average < 0.05, "mean loss of the last 10 steps \(average)")
    }

    /// Resident set size in bytes, from /proc/self/statm (Linux).
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test("200 training steps on a block: resident memory does not grow after warm-up (tolerance 32 MB)")
    func noMemoryGrowth() throws {
        // Each step allocates about 4 MB of activations and gradients, so keeping one step's
        // buffers alive would add ~400 MB by the last 50 steps. The end value is the minimum
        // over those steps, which filters out short-lived allocations by tests running
        // concurrently in the same process; 32 MB absorbs allocator noise.
        var rng = Engine.RandomGenerator(seed: 13)
        let block = TransformerBlock(.init(width: 64, heads: 4, attentionDropout: 0.1, projectionDropout: 0.1), generator: &rng)
        let optimizer = AdamW(parameters: block.namedParameters())
        let x = Tensor.randomNormal([16, 32, 64], generator: &rng)
        let target = Tensor.randomNormal([16, 32, 64], generator: &rng)
        var afterWarmup = 0
        var end = Int.max
        for step in 0..<200 {
            let loss = Engine.withGradients { (block(x, causal: step % 2 == 0, generator: &rng) - target).squared().mean() }
            optimizer.zeroGradients()
            loss.backward()
            GradientClipping.clipGlobalNorm(block.namedParameters().map(\.tensor), maxNorm: 1)
            optimizer.step(learningRate: 1e-3)
            if step == 49 { afterWarmup = try #require(Self.residentBytes()) }
            if step >= 150 { end = min(end, try #require(Self.residentBytes())) }
        }
        let growth = end - afterWarmup
        #expect(growth < 32 << 20, "resident memory grew by \(growth >> 20) MB between step 50 and steps 150-199")
    }
}
