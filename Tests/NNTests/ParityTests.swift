import Foundation
import Testing
import Engine
import NN

/// Layers and ops against the PyTorch fixtures (Tools/make_engine_fixtures.py):
/// outputs and gradients within 1e-4 relative to the values' scale.
@Suite("PyTorch parity")
struct ParityTests {
    static let tolerance: Float = 1e-4

    func tensor(_ file: SafeTensorsFile, _ name: String, requiresGrad: Bool = false) throws -> Tensor {
        let t = try file.tensor(name)
        return Tensor(shape: t.shape, scalars: try file.floats(name), requiresGrad: requiresGrad)
    }

    /// Runs `forward`, back-propagates sum(y · grad_output), checks y against `output` and
    /// the input gradient against `grad_input`; returns nothing, parameters are checked by the caller.
    func checkForwardBackward(_ file: SafeTensorsFile, outputName: String = "output",
                              _ forward: (Tensor) -> Tensor) throws {
        let x = try tensor(file, "input", requiresGrad: true)
        let upstream = try tensor(file, "grad_output")
        let y = Engine.withGradients { forward(x) }
        #expect(y.shape == (try file.shape(of: outputName)))
        #expect(relativeError(y.scalars, try file.floats(outputName)) < Self.tolerance)
        let loss = Engine.withGradients { (y * upstream).sum() }
        loss.backward()
        let grad = try #require(x.grad)
        #expect(relativeError(grad.scalars, try file.floats("grad_input")) < Self.tolerance)
    }

    func checkParameterGradients(_ layer: some Layer, _ file: SafeTensorsFile) throws {
        for parameter in layer.namedParameters() {
            let grad = try #require(parameter.tensor.grad, "no gradient for \(parameter.name)")
            let error = relativeError(grad.scalars, try file.floats("grad." + parameter.name))
            #expect(error < Self.tolerance, "gradient of \(parameter.name): relative error \(error)")
        }
    }

    @Test("Linear forward and backward")
    func linear() throws {
        let file = try Fixture.load("linear.safetensors")
        var rng = Engine.RandomGenerator(seed: 1)
        let layer = Linear(inputFeatures: 6, outputFeatures: 4, generator: &rng)
        try layer.importParameters(from: file)
        try checkForwardBackward(file) { layer($0) }
        #expect(relativeError(try #require(layer.weight.grad).scalars, try file.floats("grad_weight")) < Self.tolerance)
        #expect(relativeError(try #require(layer.bias?.grad).scalars, try file.floats("grad_bias")) < Self.tolerance)
    }

    @Test("LayerNorm forward and backward")
    func layerNorm() throws {
        let file = try Fixture.load("layer_norm.safetensors")
        let layer = LayerNorm(width: 8, epsilon: 1e-5)
        try layer.importParameters(from: file)
        try checkForwardBackward(file) { layer($0) }
        #expect(relativeError(try #require(layer.weight.grad).scalars, try file.floats("grad_weight")) < Self.tolerance)
        #expect(relativeError(try #require(layer.bias.grad).scalars, try file.floats("grad_bias")) < Self.tolerance)
    }

    @Test("GELU forward and backward")
    func gelu() throws {
        try checkForwardBackward(try Fixture.load("gelu.safetensors")) { $0.gelu() }
    }

    @Test("softmax forward and backward")
    func softmax() throws {
        let file = try Fixture.load("softmax_cross_entropy.safetensors")
        let x = try tensor(file, "softmax.input", requiresGrad: true)
        let upstream = try tensor(file, "softmax.grad_output")
        let y = Engine.withGradients { x.softmax() }
        #expect(relativeError(y.scalars, try file.floats("softmax.output")) < Self.tolerance)
        Engine.withGradients { (y * upstream).sum() }.backward()
        #expect(relativeError(try #require(x.grad).scalars, try file.floats("softmax.grad_input")) < Self.tolerance)
    }

    @Test("weighted cross-entropy loss and gradient")
    func crossEntropy() throws {
        let file = try Fixture.load("softmax_cross_entropy.safetensors")
        let logits = try tensor(file, "ce.logits", requiresGrad: true)
        let targets = try file.int64s("ce.targets").map { Int32($0) }
        let weights = try file.floats("ce.weights")
        let loss = Engine.withGradients { Tensor.crossEntropy(logits: logits, targets: targets, weights: weights) }
        #expect(relativeError([loss.item], try file.floats("ce.loss")) < Self.tolerance)
        loss.backward()
        #expect(relativeError(try #require(logits.grad).scalars, try file.floats("ce.grad_logits")) < Self.tolerance)
    }

    func attentionLayer(_ file: SafeTensorsFile) throws -> MultiHeadAttention {
        var rng = Engine.RandomGenerator(seed: 2)
        let layer = MultiHeadAttention(width: 8, heads: Int(file.metadata["heads"] ?? "") ?? 0, generator: &rng)
        try layer.importParameters(from: file, prefix: "param.")
        return layer
    }

    @Test("causal attention forward and backward")
    func causalAttention() throws {
        let file = try Fixture.load("attention_causal.safetensors")
        let layer = try attentionLayer(file)
        try checkForwardBackward(file) { layer($0, causal: true) }
        try checkParameterGradients(layer, file)
    }

    @Test("bidirectional attention with a key-padding mask, forward and backward")
    func bidirectionalAttention() throws {
        let file = try Fixture.load("attention_bidirectional.safetensors")
        let layer = try attentionLayer(file)
        let mask = try file.int64s("key_padding_mask", shape: [2, 5]).map { $0 != 0 }
        try checkForwardBackward(file) { layer($0, keyPaddingMask: mask) }
        try checkParameterGradients(layer, file)
    }

    @Test("attention with dropout active matches the fixture when no weight is dropped")
    func attentionWithDropoutActive() throws {
        // At p = 1e-7 and a fixed seed the mask keeps all 200 weights, so the dropout kernel
        // must give PyTorch's attention without dropout.
        let file = try Fixture.load("attention_bidirectional.safetensors")
        var rng = Engine.RandomGenerator(seed: 2)
        let layer = MultiHeadAttention(width: 8, heads: 2, attentionDropout: 1e-7, generator: &rng)
        try layer.importParameters(from: file, prefix: "param.")
        let mask = try file.int64s("key_padding_mask").map { $0 != 0 }
        var dropoutRNG = Engine.RandomGenerator(seed: 3)
        try checkForwardBackward(file) { layer($0, keyPaddingMask: mask, generator: &dropoutRNG) }
        try checkParameterGradients(layer, file)
    }

    @Test("attention dropout drops the weights that dropout on the softmax of separate ops drops",
          arguments: [false, true])
    func attentionDropoutMatchesSeparateOps(causal: Bool) throws {
        let (batch, length, width, heads) = (2, 7, 12, 3)
        let headWidth = width / heads
        var rng = Engine.RandomGenerator(seed: 21)
        let layer = MultiHeadAttention(width: width, heads: heads, attentionDropout: 0.3, generator: &rng)
        let x = Tensor.randomNormal([batch, length, width], generator: &rng)
        let padding = (0..<(batch * length)).map { $0 == length - 1 }
        var fusedRNG = Engine.RandomGenerator(seed: 5), separateRNG = fusedRNG
        let fused = layer(x, causal: causal, keyPaddingMask: padding, generator: &fusedRNG)
        // softmax(q kᵀ / √d + masks) → dropout → · v, op by op.
        let split = layer.qkv(x).reshaped([batch, length, 3, heads, headWidth]).permuted([2, 0, 3, 1, 4])
        func part(_ index: Int) -> Tensor {
            split.sliced(alongAxis: 0, index..<(index + 1)).reshaped([batch, heads, length, headWidth])
        }
        var scores = part(0).matmul(part(1), transposeOther: true).scaled(by: 1 / Float(headWidth).squareRoot())
        let above = (0..<(length * length)).map { causal && $0 % length > $0 / length ? Float(1) : 0 }
        scores = scores.maskedFill(Tensor(shape: [length, length], scalars: above), with: -.infinity)
        scores = scores.maskedFill(Tensor(shape: [batch, 1, 1, length], scalars: padding.map { $0 ? 1 : 0 }), with: -.infinity)
        let weights = scores.softmax().dropout(probability: 0.3, generator: &separateRNG)
        let separate = layer.proj(weights.matmul(part(2)).permuted([0, 2, 1, 3]).reshaped([batch, length, width]))
        #expect(fusedRNG.counter == separateRNG.counter)
        #expect(relativeError(fused.scalars, separate.scalars) < Self.tolerance)
        #expect(fused.scalars != layer(x, causal: causal, keyPaddingMask: padding, generator: &separateRNG).scalars,
                "a different stream should drop different weights")
    }

    func block(_ file: SafeTensorsFile) throws -> TransformerBlock {
        var rng = Engine.RandomGenerator(seed: 4)
        let block = TransformerBlock(.init(width: 16, heads: 2), generator: &rng)
        try block.importParameters(from: file, prefix: "param.")
        return block
    }

    @Test("pre-norm transformer block forward and backward")
    func transformerBlock() throws {
        let file = try Fixture.load("block.safetensors")
        let block = try block(file)
        #expect(block.namedParameters().map(\.name) == [
            "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
            "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
        ])
        try checkForwardBackward(file) { block($0) }
        try checkParameterGradients(block, file)
    }

    @Test("causal block forward, and the KV-cached decode path token by token")
    func cachedDecode() throws {
        let file = try Fixture.load("block.safetensors")
        let block = try block(file)
        block.setTraining(false)
        let x = try tensor(file, "input")
        let expected = try file.floats("causal.output")
        #expect(relativeError(block(x, causal: true).scalars, expected) < Self.tolerance)

        let (batch, length, width) = (2, 7, 16)
        let cache = block.attn.makeCache(batch: batch, capacity: length)
        var decoded = [Float](repeating: 0, count: batch * length * width)
        // One token, then two at once, then the rest one by one.
        var position = 0
        for step in [1, 2, 1, 1, 1, 1] {
            let y = block.decode(x.sliced(alongAxis: 1, position..<(position + step)), cache: cache)
            let values = y.scalars
            for b in 0..<batch {
                for t in 0..<step {
                    for c in 0..<width {
                        decoded[(b * length + position + t) * width + c] = values[(b * step + t) * width + c]
                    }
                }
            }
            position += step
        }
        #expect(cache.length == length)
        #expect(relativeError(decoded, expected) < Self.tolerance)
    }
}
