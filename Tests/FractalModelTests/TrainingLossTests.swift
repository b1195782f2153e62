import Foundation
import Testing
import Engine
import NN
import FractalModel

/// Small configurations and a hand-made roll shared by the model tests.
enum ModelFixtures {
    /// A tiny model: the default hierarchy [128, 16, 4, 1] with small widths.
    static func tinyConfig(types: [GeneratorType] = [.mar, .mar, .mar], scanOrder: ScanOrder = .rowMajor,
                           width: Int = 64, widths: [Int] = [32, 32, 16, 16], classes: Int = 1) -> FractalConfig {
        var config = FractalConfig()
        config.model.embedDimList = widths
        config.model.numBlocksList = [1, 1, 1, 1]
        config.model.numHeadsList = [2, 2, 1, 1]
        config.model.generatorTypes = types
        config.model.scanOrder = scanOrder
        config.model.numClasses = classes
        config.data.cropLength = width
        config.sampling.numIterList = [4, 4, 4]
        return config
    }

    /// A sparse 128 × `width` roll: a repeating chord and melody in the middle of the keyboard
    /// (codes: 0 silent, 1 sustain, 2 + bin onset).
    static func patternRoll(width: Int = 64) -> [UInt8] {
        var cells = [UInt8](repeating: 0, count: 128 * width)
        func note(_ pitch: Int, _ start: Int, _ length: Int, _ bin: Int) {
            guard start < width else { return }
            cells[pitch * width + start] = UInt8(2 + bin)
            for step in (start + 1)..<min(width, start + length) { cells[pitch * width + step] = 1 }
        }
        for bar in stride(from: 0, to: width, by: 16) {
            for pitch in [48, 55, 60] { note(pitch, bar, 8, 12) }
            for pitch in [47, 53, 62] { note(pitch, bar + 8, 8, 10) }
            let melody = [72, 74, 76, 79]
            for (i, pitch) in melody.enumerated() { note(pitch, bar + 4 * i, 3, 20 + i) }
        }
        return cells
    }
}

@Suite struct TrainingLossTests {
    @Test func untrainedLossIsNearUniformAndGradientsReachEveryLevel() throws {
        let config = ModelFixtures.tinyConfig()
        let model = FractalGenerativeModel(config: config, seed: 3)
        var rng = Engine.RandomGenerator(seed: 5)
        let cells = ModelFixtures.patternRoll() + ModelFixtures.patternRoll()
        let result = model.trainingStep(cells: cells, labels: [0, 0], width: 64, rng: &rng)
        // Untrained: state ≈ log2(3) bits per cell, plus a little velocity.
        #expect(result.head.stateBitsPerCell > 1.3 && result.head.stateBitsPerCell < 1.9)
        #expect(result.levels.count == 3)
        #expect(result.levels[0].items == 2 && result.levels[0].tokens == 32)
        #expect(result.levels[1].items == result.levels[0].handedDown)
        #expect(result.levels[2].items == result.levels[1].handedDown)
        #expect(result.cells == result.levels[2].handedDown)
        for level in result.levels { #expect(level.maskedFraction > 0 && level.maskedFraction <= 1) }
        for name in ["levels.0.patch_embed.weight", "levels.0.cond_proj.0.weight", "levels.0.mask_token",
                     "levels.1.cond_proj.3.weight", "levels.2.blocks.0.attn.qkv.weight", "head.state_embedding",
                     "head.velocity_embedding", "head.cond_proj.weight"] {
            let parameter = try #require(model.namedParameters().first { $0.name == name })
            let gradient = try #require(parameter.tensor.grad, "\(name) has no gradient")
            #expect(gradient.scalars.contains { $0 != 0 }, "\(name) gradient is zero")
        }
    }

    @Test("the lower levels in chunks give the same loss and gradients as in one piece", arguments: [
        [GeneratorType.mar, .mar, .mar], [.ar, .mar, .ar],
    ])
    func chunkedStepEqualsOnePiece(types: [GeneratorType]) throws {
        var config = ModelFixtures.tinyConfig(types: types, classes: 2)
        config.model.attnDropout = 0
        config.model.projDropout = 0
        let cells = ModelFixtures.patternRoll() + ModelFixtures.patternRoll().reversed()
        var results: [(loss: TrainingLoss, gradients: [String: [Float]])] = []
        for chunkCells in [1 << 30, 300, 1] {
            let model = FractalGenerativeModel(config: config, seed: 3)
            var rng = Engine.RandomGenerator(seed: 5)
            let loss = model.trainingStep(cells: cells, labels: [0, 1], width: 64, gradientScale: 0.5,
                                          chunkCells: chunkCells, rng: &rng)
            var gradients: [String: [Float]] = [:]
            for parameter in model.namedParameters() { gradients[parameter.name] = parameter.tensor.grad?.scalars ?? [] }
            results.append((loss, gradients))
        }
        let whole = results[0]
        for chunked in results.dropFirst() {
            #expect(abs(chunked.loss.loss - whole.loss.loss) < 1e-5)
            #expect(chunked.loss.levels == whole.loss.levels)
            #expect(chunked.loss.head.onsets == whole.loss.head.onsets)
            for (name, expected) in whole.gradients {
                #expect(!expected.isEmpty, "\(name) has no gradient")
                let actual = try #require(chunked.gradients[name], "\(name) is missing")
                #expect(actual.count == expected.count, "\(name) has no gradient in chunks")
                let scale = max(expected.map(abs).max() ?? 0, 1e-6)
                let worst = zip(expected, actual).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-4 * scale, "\(name): gradients differ by \(worst) (scale \(scale))")
            }
        }
    }

    @Test func evaluationLossIsDeterministicAndUsesVelocityWeightOne() {
        var config = ModelFixtures.tinyConfig()
        config.model.vWeight = 0
        let model = FractalGenerativeModel(config: config, seed: 3)
        let cells = ModelFixtures.patternRoll()
        let first = model.evaluationLoss(cells: cells, labels: [0], width: 64, seed: 9)
        let second = model.evaluationLoss(cells: cells, labels: [0], width: 64, seed: 9)
        #expect(first.bitsPerCell == second.bitsPerCell)
        #expect(first.loss == second.loss)
        #expect(first.levels == second.levels)
        // Evaluation weighs velocity 1: the loss in nats equals bits · ln 2.
        #expect(abs(first.loss - first.bitsPerCell * M_LN2) < 1e-4)
        #expect(first.head.velocityBitsPerCell > 0)
        // Training with v_weight 0 leaves velocity out of the loss but still reports it in bits.
        var rng = Engine.RandomGenerator(seed: 9)
        let training = model.trainingStep(cells: cells, labels: [0], width: 64, rng: &rng)
        #expect(abs(training.loss - training.head.stateBitsPerCell * M_LN2) < 1e-4)
    }

    @Test func onlyMaskedPatchesGoDownInMARAndEveryPatchInAR() {
        let cells = ModelFixtures.patternRoll()
        var rng = Engine.RandomGenerator(seed: 1)
        let mar = FractalGenerativeModel(config: ModelFixtures.tinyConfig(), seed: 1)
            .trainingStep(cells: cells, labels: [0], width: 64, rng: &rng)
        for level in mar.levels {
            #expect(level.handedDown == Int((level.maskedFraction * Double(level.items * level.tokens)).rounded()))
            #expect(level.handedDown >= level.items)  // at least one masked patch per item
        }
        let ar = FractalGenerativeModel(config: ModelFixtures.tinyConfig(types: [.ar, .ar, .ar]), seed: 1)
            .trainingStep(cells: cells, labels: [0], width: 64, rng: &rng)
        #expect(ar.levels.map(\.handedDown) == [32, 32 * 16, 32 * 16 * 16])
        #expect(ar.cells == 128 * 64)
    }
}
