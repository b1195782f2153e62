import Foundation
import Testing
import Engine
import NN

/// A two-level model to check dotted names.
final class TinyModel: Layer {
    let embed: Embedding
    let blocks: LayerList<TransformerBlock>
    let norm: LayerNorm
    let head: Linear
    var isTraining = true

    init(seed: UInt64, vocabulary: Int = 5, width: Int = 8, blocks count: Int = 2, dropout: Float = 0) {
        var rng = Engine.RandomGenerator(seed: seed)
        embed = Embedding(count: vocabulary, width: width, generator: &rng)
        blocks = LayerList((0..<count).map { _ in
            TransformerBlock(.init(width: width, heads: 2, attentionDropout: dropout, projectionDropout: dropout), generator: &rng)
        })
        norm = LayerNorm(width: width, epsilon: 1e-6)
        head = Linear(inputFeatures: width, outputFeatures: vocabulary, generator: &rng)
    }

    var children: [(name: String, layer: any Layer)] { [("embed", embed), ("blocks", blocks), ("norm", norm), ("head", head)] }
}

@Suite("Layers")
struct LayerTests {
    @Test("parameters have stable dotted names, in order")
    func names() {
        let model = TinyModel(seed: 1)
        let names = model.namedParameters().map(\.name)
        #expect(names.count == 1 + 2 * 12 + 2 + 2)
        #expect(names.prefix(4) == ["embed.weight", "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight"])
        #expect(names.contains("blocks.1.mlp.fc2.bias"))
        #expect(names.suffix(2) == ["head.weight", "head.bias"])
        #expect(model.namedParameters(prefix: "levels.0.").first?.name == "levels.0.embed.weight")
        // 5·8 + 2·(4·8 + 24·8+24 + 8·8+8 + 32·8+32 + 8·32+8) + 16 + 8·5+5
        #expect(model.parameterCount == 40 + 2 * (32 + 216 + 72 + 288 + 264) + 16 + 45)
    }

    @Test("training mode propagates to every descendant")
    func trainingMode() {
        let model = TinyModel(seed: 1, dropout: 0.1)
        #expect(model.blocks.layers[1].attn.attentionDropout.isActive)
        model.setTraining(false)
        #expect(!model.isTraining && !model.blocks.layers[1].isTraining)
        #expect(!model.blocks.layers[1].attn.attentionDropout.isActive && !model.blocks.layers[0].mlp.dropout.isActive)
        model.setTraining(true)
        #expect(model.blocks.layers[0].mlp.dropout.isActive)
    }

    @Test("dropout in training mode changes the output reproducibly; evaluation mode is deterministic")
    func dropout() {
        let model = TinyModel(seed: 1, dropout: 0.2)
        var rng = Engine.RandomGenerator(seed: 9)
        let x = Tensor.randomNormal([2, 4, 8], generator: &rng)
        let block = model.blocks.layers[0]
        var a = Engine.RandomGenerator(seed: 5), b = Engine.RandomGenerator(seed: 5), c = Engine.RandomGenerator(seed: 6)
        let ya = block(x, generator: &a), yb = block(x, generator: &b), yc = block(x, generator: &c)
        #expect(ya.scalars == yb.scalars)
        #expect(ya.scalars != yc.scalars)
        model.setTraining(false)
        let evaluated = block(x)
        #expect(evaluated.scalars == block(x, generator: &c).scalars)
        #expect(evaluated.scalars != ya.scalars)
    }

    @Test("the same seed gives the same parameters; another seed different ones")
    func reproducibleInit() {
        let a = TinyModel(seed: 7).namedParameters(), b = TinyModel(seed: 7).namedParameters(), c = TinyModel(seed: 8).namedParameters()
        for i in a.indices { #expect(a[i].tensor.scalars == b[i].tensor.scalars) }
        #expect(a[0].tensor.scalars != c[0].tensor.scalars)
        #expect(a.allSatisfy { $0.tensor.requiresGrad })
    }

    @Test("initialisers: xavier bound and spread, normal spread, zeros, ones")
    func initializers() {
        var rng = Engine.RandomGenerator(seed: 3)
        let xavier = Initializer.xavierUniform.makeParameter([300, 200], generator: &rng).scalars
        let bound = (6.0 / 500.0).squareRoot()
        #expect(xavier.allSatisfy { abs(Double($0)) <= bound })
        let variance = xavier.reduce(0) { $0 + Double($1) * Double($1) } / Double(xavier.count)
        #expect(abs(variance - bound * bound / 3) < 0.02 * bound * bound / 3)
        let normal = Initializer.normal(standardDeviation: 0.02).makeParameter([100, 100], generator: &rng).scalars
        let std = (normal.reduce(0) { $0 + Double($1) * Double($1) } / Double(normal.count)).squareRoot()
        #expect(abs(std - 0.02) < 0.0005)
        #expect(Initializer.zeros.makeParameter([3], generator: &rng).scalars == [0, 0, 0])
        #expect(Initializer.ones.makeParameter([2], generator: &rng).scalars == [1, 1])
        let linear = Linear(inputFeatures: 4, outputFeatures: 3, generator: &rng)
        #expect(linear.bias?.scalars == [0, 0, 0])
    }

    @Test("Embedding looks up rows and sends gradients back to the rows it used")
    func embedding() throws {
        var rng = Engine.RandomGenerator(seed: 4)
        let table = Embedding(count: 4, width: 3, generator: &rng)
        let rows = table.weight.scalars
        let y = Engine.withGradients { table([2, 0, 2], shape: [1, 3]) }
        #expect(y.shape == [1, 3, 3])
        #expect(y.scalars == Array(rows[6..<9] + rows[0..<3] + rows[6..<9]))
        Engine.withGradients { y.sum() }.backward()
        #expect(try #require(table.weight.grad).scalars == [1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0])
    }

    @Test("parameters export and import through a safetensors file")
    func exportImport() throws {
        let source = TinyModel(seed: 1), target = TinyModel(seed: 2)
        var file = SafeTensorsFile()
        source.exportParameters(into: &file, prefix: "model.")
        try target.importParameters(from: file, prefix: "model.")
        for (a, b) in zip(source.namedParameters(), target.namedParameters()) { #expect(a.tensor.scalars == b.tensor.scalars) }
    }

    @Test("importing a file from a wider model fails, names the tensor, and changes nothing")
    func importMismatch() throws {
        var file = SafeTensorsFile()
        TinyModel(seed: 1, width: 16).exportParameters(into: &file)
        let model = TinyModel(seed: 2)
        let before = model.namedParameters().map(\.tensor.scalars)
        let error = #expect(throws: SafeTensorsError.self) { try model.importParameters(from: file) }
        #expect(error == .shapeMismatch(file: "(in memory)", tensor: "embed.weight", expected: [5, 8], actual: [5, 16]))
        #expect(model.namedParameters().map(\.tensor.scalars) == before)
    }
}
