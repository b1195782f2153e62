import Foundation
import Testing
import Engine
import NN

@Suite("AdamW, clipping and parameter groups")
struct AdamWTests {
    /// Sets each parameter's gradient to `values[name]` by back-propagating Σ p · g.
    static func setGradients(_ parameters: [NamedParameter], _ values: (String) throws -> [Float]) rethrows {
        var loss: Tensor?
        for parameter in parameters {
            let g = Tensor(shape: parameter.tensor.shape, scalars: try values(parameter.name))
            let term = Engine.withGradients { (parameter.tensor * g).sum() }
            loss = loss.map { a in Engine.withGradients { a + term } } ?? term
        }
        for parameter in parameters { parameter.tensor.zeroGradient() }
        loss?.backward()
    }

    static func parameters(from file: SafeTensorsFile) throws -> [NamedParameter] {
        try file.names.filter { $0.hasPrefix("initial.") }.map { key in
            let name = String(key.dropFirst("initial.".count))
            return NamedParameter(name: name, tensor: Tensor(shape: try file.shape(of: key), scalars: try file.floats(key), requiresGrad: true))
        }
    }

    @Test("three clipped AdamW steps match PyTorch")
    func matchesPyTorch() throws {
        let file = try Fixture.load("adamw.safetensors")
        let parameters = try Self.parameters(from: file)
        let optimizer = AdamW(parameters: parameters)
        #expect(optimizer.configuration == AdamW.Configuration(beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.05))
        #expect(optimizer.groups.decay.map(\.name).sorted().joined(separator: ",") == file.metadata["decay_names"])
        let rates = try #require(file.metadata["lrs"]).split(separator: ",").map { Double($0)! }
        for (step, rate) in rates.enumerated() {
            try Self.setGradients(parameters) { try file.floats("step\(step).grad.\($0)") }
            let norm = GradientClipping.clipGlobalNorm(parameters.map(\.tensor), maxNorm: 3.0)
            #expect(relativeError([norm], try file.floats("step\(step).norm")) < 1e-5)
            optimizer.step(learningRate: rate)
            for parameter in parameters {
                let error = relativeError(parameter.tensor.scalars, try file.floats("step\(step).param.\(parameter.name)"))
                #expect(error < 1e-5, "step \(step) \(parameter.name): \(error)")
            }
        }
        #expect(optimizer.stepCount == 3)
        var state = SafeTensorsFile()
        optimizer.exportState(into: &state)
        for parameter in parameters {
            #expect(relativeError(try state.floats("optimizer.exp_avg.\(parameter.name)"), try file.floats("state.exp_avg.\(parameter.name)")) < 1e-5)
            #expect(relativeError(try state.floats("optimizer.exp_avg_sq.\(parameter.name)"), try file.floats("state.exp_avg_sq.\(parameter.name)")) < 1e-5)
            #expect(try state.int64s("optimizer.step.\(parameter.name)", shape: []) == [3])
        }
    }

    @Test("exported and re-imported state continues bit for bit")
    func stateRoundTrip() throws {
        let file = try Fixture.load("adamw.safetensors")
        let original = try Self.parameters(from: file)
        let optimizer = AdamW(parameters: original)
        for step in 0..<2 {
            try Self.setGradients(original) { try file.floats("step\(step).grad.\($0)") }
            optimizer.step(learningRate: 1e-2)
        }
        var checkpoint = SafeTensorsFile()
        optimizer.exportState(into: &checkpoint)
        for p in original { checkpoint.set("model.\(p.name)", floats: p.tensor.scalars, shape: p.tensor.shape) }
        let folder = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("checkpoint.safetensors")
        try checkpoint.write(to: url)

        let loaded = try SafeTensorsFile(contentsOf: url)
        let resumed = try original.map { p in
            NamedParameter(name: p.name, tensor: Tensor(shape: p.tensor.shape, scalars: try loaded.floats("model.\(p.name)"), requiresGrad: true))
        }
        let resumedOptimizer = AdamW(parameters: resumed)
        try resumedOptimizer.importState(from: loaded)
        #expect(resumedOptimizer.stepCount == 2)
        for (run, opt) in [(original, optimizer), (resumed, resumedOptimizer)] {
            try Self.setGradients(run) { try file.floats("step2.grad.\($0)") }
            opt.step(learningRate: 5e-3)
        }
        for (a, b) in zip(original, resumed) { #expect(a.tensor.scalars == b.tensor.scalars) }
    }

    @Test("importing state for a differently shaped model fails, naming the tensor, and changes nothing")
    func importMismatch() throws {
        var state = SafeTensorsFile()
        state.set("optimizer.exp_avg.w", floats: [0, 0, 0], shape: [3])
        state.set("optimizer.exp_avg_sq.w", floats: [0, 0, 0], shape: [3])
        state.set("optimizer.step.w", int64s: [4], shape: [])
        let optimizer = AdamW(parameters: [NamedParameter(name: "w", tensor: Tensor.zeros([2, 2], requiresGrad: true))])
        let error = #expect(throws: SafeTensorsError.self) { try optimizer.importState(from: state) }
        #expect(error == .shapeMismatch(file: "(in memory)", tensor: "optimizer.exp_avg.w", expected: [2, 2], actual: [3]))
        #expect(optimizer.stepCount == 0)
    }

    @Test("parameters without a gradient are not updated")
    func skipsMissingGradients() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let b = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let optimizer = AdamW(parameters: [NamedParameter(name: "a", tensor: a), NamedParameter(name: "b", tensor: b)])
        Engine.withGradients { a.sum() }.backward()
        optimizer.step(learningRate: 0.1)
        #expect(b.scalars == [1, 2, 3, 4])
        #expect(a.scalars != [1, 2, 3, 4])
        optimizer.zeroGradients()
        #expect(a.grad == nil)
    }

    @Test("weight decay only on the decay group: zero gradients shrink decayed weights only")
    func decayGroupOnly() {
        let weight = Tensor(shape: [2, 2], scalars: [1, 1, 1, 1], requiresGrad: true)
        let bias = Tensor(shape: [2], scalars: [1, 1], requiresGrad: true)
        let optimizer = AdamW(parameters: [NamedParameter(name: "fc.weight", tensor: weight), NamedParameter(name: "fc.bias", tensor: bias)])
        Engine.withGradients { (weight.sum() + bias.sum()) * 0 }.backward()
        optimizer.step(learningRate: 0.1)
        #expect(weight.scalars.allSatisfy { abs($0 - (1 - 0.1 * 0.05)) < 1e-7 })
        #expect(bias.scalars == [1, 1])
    }

    @Test("group split by name and shape")
    func groupRule() {
        let cases: [(String, [Int], Bool)] = [
            ("levels.0.blocks.3.attn.qkv.weight", [48, 16], true),
            ("levels.0.blocks.3.attn.qkv.bias", [48], false),
            ("levels.0.blocks.3.norm1.weight", [16], false),
            ("levels.0.norm.weight", [16], false),
            ("levels.0.pos_embed", [1, 256, 16], false),
            ("levels.1.positions", [16, 64], false),
            ("levels.0.mask_token", [1, 1, 16], false),
            ("levels.0.cond_tokens", [5, 16], false),
            ("class_emb.weight", [3, 16], false),
            ("head.state_embedding.weight", [3, 16], false),
            ("levels.0.cond_proj.weight", [16, 16], true),
            ("levels.0.patch_embed.weight", [16, 8], true),
            ("levels.0.mlp.fc1.weight", [64, 16], true),
            ("scale", [], false),
        ]
        for (name, shape, decays) in cases {
            #expect(ParameterGroups.excludesWeightDecay(name: name, shape: shape) == !decays, "\(name)")
        }
        let groups = ParameterGroups(cases.map { NamedParameter(name: $0.0, tensor: Tensor.zeros($0.1)) })
        #expect(groups.decay.map(\.name) == ["levels.0.blocks.3.attn.qkv.weight", "levels.0.cond_proj.weight",
                                            "levels.0.patch_embed.weight", "levels.0.mlp.fc1.weight"])
        #expect(groups.noDecay.count == cases.count - 4)
    }

    @Test("clipping returns the global norm and scales only when it exceeds the limit")
    func clipping() throws {
        let a = Tensor(shape: [2], scalars: [0, 0], requiresGrad: true)
        let b = Tensor(shape: [1], scalars: [0], requiresGrad: true)
        let untouched = Tensor(shape: [1], scalars: [0], requiresGrad: true)
        Engine.withGradients { (a * Tensor(shape: [2], scalars: [3, 4])).sum() + (b * Tensor(shape: [1], scalars: [12])).sum() }.backward()
        // Norm √(9 + 16 + 144) = 13.
        #expect(GradientClipping.clipGlobalNorm([a, b, untouched], maxNorm: 20) == 13)
        #expect(try #require(a.grad).scalars == [3, 4])
        #expect(GradientClipping.clipGlobalNorm([a, b, untouched], maxNorm: 6.5) == 13)
        let scale: Float = 6.5 / (13 + 1e-6)
        #expect(relativeError(try #require(a.grad).scalars + (try #require(b.grad).scalars), [3 * scale, 4 * scale, 12 * scale]) < 1e-6)
        #expect(untouched.grad == nil)
    }
}

@Suite("AdamW shares a large parameter over the threads", .serialized)
struct AdamWThreadTests {
    /// The parameters after three steps of a large and a small parameter with fixed gradients.
    static func stepped(threads: Int) -> [[UInt32]] {
        let original = Engine.threadCount
        Engine.setThreadCount(threads)
        defer { Engine.setThreadCount(original) }
        var rng = Engine.RandomGenerator(seed: 4)
        let large = Tensor.randomNormal([300, 700], generator: &rng, requiresGrad: true)
        let small = Tensor.randomNormal([37], generator: &rng, requiresGrad: true)
        let parameters = [NamedParameter(name: "large.weight", tensor: large), NamedParameter(name: "small.bias", tensor: small)]
        let optimizer = AdamW(parameters: parameters)
        for step in 0..<3 {
            var draws = Engine.RandomGenerator(seed: UInt64(10 + step))
            try? AdamWTests.setGradients(parameters) { name in
                Tensor.randomNormal(name == "large.weight" ? [300, 700] : [37], generator: &draws).scalars
            }
            optimizer.step(learningRate: 1e-3)
        }
        return parameters.map { $0.tensor.scalars.map(\.bitPattern) }
    }

    @Test("the same bits at one, two and three threads")
    func sameBitsAtAnyThreadCount() {
        #expect(300 * 700 >= 1 << 16, "the large parameter must be shared out")
        let one = Self.stepped(threads: 1)
        for threads in [2, 3] {
            let same = Self.stepped(threads: threads) == one
            #expect(same, "\(threads) threads")
        }
    }
}
