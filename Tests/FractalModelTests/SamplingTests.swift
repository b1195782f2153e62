import Foundation
import Testing
import Engine
import NN
import FractalModel

@Suite struct SamplingTests {
    static let width = 32

    static func model(_ types: [GeneratorType], scanOrder: ScanOrder = .rowMajor, seed: UInt64 = 7,
                      classes: Int = 1) -> FractalGenerativeModel {
        let config = ModelFixtures.tinyConfig(types: types, scanOrder: scanOrder, width: width,
                                              widths: [16, 16, 8, 8], classes: classes)
        return FractalGenerativeModel(config: config, seed: seed)
    }

    static let settings = SamplingOptions(numIterList: [3, 2, 2], seed: 11)

    static let allMixes: [[GeneratorType]] = {
        var mixes: [[GeneratorType]] = []
        for bits in 0..<8 { mixes.append((0..<3).map { bits >> $0 & 1 == 0 ? .mar : .ar }) }
        return mixes
    }()

    /// Known everywhere except pitches 50..<70 × steps 5..<27, a region that cuts through
    /// patches at every level.
    static func inpaintingMask(count: Int) -> [Bool] {
        var mask: [Bool] = []
        for _ in 0..<count {
            for pitch in 0..<128 {
                for step in 0..<width { mask.append(!((50..<70).contains(pitch) && (5..<27).contains(step))) }
            }
        }
        return mask
    }

    @Test(arguments: allMixes)
    func knownContentIsKeptBitForBit(_ types: [GeneratorType]) throws {
        let model = Self.model(types, scanOrder: types[1] == .ar ? .columnMajor : .rowMajor)
        let source = ModelFixtures.patternRoll(width: Self.width) + ModelFixtures.patternRoll(width: Self.width).reversed()
        // Continuation: the first 13 steps known (not a multiple of any patch side).
        let prompt = KnownContent(prefixOf: source, width: Self.width, steps: 13)
        // Inpainting: everything known but a region.
        let inpainting = KnownContent(cells: source, mask: Self.inpaintingMask(count: 2))
        for known in [prompt, inpainting] {
            let rolls = try model.sample(count: 2, known: known, options: Self.settings)
            #expect(rolls.count == 2)
            let output = rolls.joined()
            #expect(output.count == source.count)
            var kept = 0
            for (index, (cell, flag)) in zip(output, known.mask).enumerated() where flag {
                if cell == source[index] { kept += 1 }
            }
            #expect(kept == known.mask.filter { $0 }.count, "\(types): known cells changed")
            #expect(output.allSatisfy { $0 < 2 + 32 })
        }
    }

    @Test func sameSeedSameOutputAndProgressFrames() throws {
        let model = Self.model([.mar, .ar, .mar])
        var frames: [SamplingProgress] = []
        let first = try model.sample(count: 1, options: Self.settings) { frames.append($0) }
        let second = try model.sample(count: 1, options: Self.settings)
        let reproducible = first == second
        #expect(reproducible, "same seed, different output")
        var other = Self.settings
        other.seed = 12
        let reseeded = try model.sample(count: 1, options: other) != first
        #expect(reseeded, "another seed gives the same output")
        // Three level-0 steps, then three more in the seam pass.
        #expect(frames.map(\.step) == Array(1...6) && frames.allSatisfy { $0.steps == 6 })
        let lastIsOutput = frames.last?.rolls == first, canvasChanges = frames[0].rolls != frames[2].rolls
        #expect(lastIsOutput, "the last frame is not the output")
        #expect(canvasChanges, "the canvas does not change between steps")
    }

    @Test func guidanceOfOneIsTheConditionalBranchAlone() throws {
        let c: [Float] = [2, -1, 0.5, -30], u: [Float] = [0, 1, 3, -40]
        #expect(ClassifierFreeGuidance.mix(conditional: c, unconditional: u, cfg: 1, filterThreshold: 1e-4) == c)
        let mixed = ClassifierFreeGuidance.mix(conditional: c, unconditional: u, cfg: 3, filterThreshold: 1e-4)
        #expect(abs(mixed[0] - (0 + 3 * (2 - 0))) < 1e-6)
        #expect(abs(mixed[1] - (1 + 3 * (-1 - 1))) < 1e-6)
        // Class 3 is ruled out by the condition (p ≈ 1e-14): its null logit is raised to
        // c − max(c) + max(u) = -30 - 2 + 3 before mixing, so guidance cannot promote it
        // (unfiltered it would get -40 + 3 · 10 = -10).
        #expect(abs(mixed[3] - (-29 + 3 * (-30 + 29))) < 1e-5)

        let model = Self.model([.mar, .mar, .mar], classes: 2)
        // Style embeddings far apart, so the branches disagree clearly.
        let classes = try #require(model.levels.layers[0].classEmbedding)
        classes.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] *= 100 }
        }
        let plain = try model.sample(count: 2, labels: [0, 1], options: Self.settings)
        // An untrained model barely separates the branches, so the guidance is strong.
        var guided = Self.settings
        guided.cfg = 50
        let strong = try model.sample(count: 2, labels: [0, 1], options: guided)
        func differing(_ a: [[UInt8]], _ b: [[UInt8]]) -> Int { zip(a.joined(), b.joined()).filter { $0 != $1 }.count }
        print("guidance changes \(differing(strong, plain)) cells")
        #expect(differing(strong, plain) > 20)
        var linear = guided
        linear.cfgSchedule = .linear
        let ramped = try model.sample(count: 2, labels: [0, 1], options: linear)
        #expect(differing(ramped, strong) > 0 && differing(ramped, plain) > 0)

        // Changing the null label's embedding changes guided samples only.
        classes.withUnsafeMutableBufferPointer { values in
            let width = classes.shape[1]
            for i in (2 * width)..<(3 * width) { values[i] += 0.5 }
        }
        #expect(differing(try model.sample(count: 2, labels: [0, 1], options: Self.settings), plain) == 0)
        #expect(differing(try model.sample(count: 2, labels: [0, 1], options: guided), strong) > 0)
    }

    @Test func nucleusKeepsTheFewestMostProbableClassesReachingTopP() {
        let probabilities: [Double] = [0.2, 0.7, 0.1]
        let logits = probabilities.map { Float(Foundation.log($0)) }
        func weights(_ topP: Double, temperature: Double = 1, of logits: [Float] = logits) -> [Double] {
            var scores = DrawScores(logits: logits)
            TemperatureScaling(temperature: temperature).process(&scores, in: DrawContext(position: 0))
            Nucleus(topP: topP).process(&scores, in: DrawContext(position: 0))
            return scores.drawWeights
        }
        func kept(_ topP: Double, temperature: Double = 1) -> [Int] {
            let weights = weights(topP, temperature: temperature)
            return weights.indices.filter { weights[$0] > 0 }
        }
        #expect(kept(1) == [0, 1, 2])
        #expect(kept(0.95) == [0, 1, 2])
        #expect(kept(0.85) == [0, 1])
        #expect(kept(0.6) == [1])
        #expect(kept(1e-9) == [1])
        // Temperature reshapes the probabilities before the nucleus is taken: at 0.5 they are
        // ∝ p², [0.04, 0.49, 0.01] / 0.54, so 0.85 is reached by the top class alone (0.907).
        #expect(kept(0.85, temperature: 0.5) == [1])
        // The kept classes keep their relative weights.
        let nucleus = weights(0.85)
        #expect(abs(nucleus[0] / nucleus[1] - 0.2 / 0.7) < 1e-6)
        // Equal probabilities: ties go to the lower index.
        #expect(weights(0.5, of: [0, 0, 0, 0]).map { $0 > 0 } == [true, true, false, false])
    }

    @Test func badSettingsAreRejectedWithMessages() {
        let model = Self.model([.mar, .mar, .mar])
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return (error as? SamplingError)?.message ?? "\(error)" }
            return ""
        }
        #expect(message { _ = try model.sample(count: 1, labels: [3], options: Self.settings) }
                == "label 3 is outside 0..<1; use a label the model was trained with")
        #expect(message { _ = try model.sample(count: 2, labels: [0], options: Self.settings) }
                == "1 labels for 2 rolls; give one label per roll")
        var cold = Self.settings
        cold.temperature = 0
        #expect(message { _ = try model.sample(count: 1, options: cold) } == "sampling.temperature 0.0 must be a positive number; use e.g. 1.0")
        for topP in [0, 1.5] {
            var nucleus = Self.settings
            nucleus.topP = topP
            #expect(message { _ = try model.sample(count: 1, options: nucleus) }
                    == "sampling.top_p \(topP) is outside (0, 1]; use e.g. 0.98, or 1 to keep every class")
        }
        var short = Self.settings
        short.numIterList = [4]
        #expect(message { _ = try model.sample(count: 1, options: short) }
                == "sampling.num_iter_list [4] has 1 entry for 3 MAR levels (AR levels take one step per patch); give one per MAR level, e.g. [16, 16, 16]")
        let known = KnownContent(cells: [0], mask: [true])
        #expect(message { _ = try model.sample(count: 1, known: known, options: Self.settings) }
                == "known content holds 1 cells and 1 flags; 1 rolls of 128 × 32 need 4096 of each")
        let loud = KnownContent(cells: [UInt8](repeating: 200, count: 4096), mask: [Bool](repeating: true, count: 4096))
        #expect(message { _ = try model.sample(count: 1, known: loud, options: Self.settings) }
                == "known cell 0 has code 200, above the highest code 33 for 32 velocity bins")
    }
}

@Suite struct AutoregressiveTests {
    /// Random conditions and patch features for a level.
    static func inputs(_ level: GeneratorLevel, batch: Int, conditionWidth: Int, seed: UInt64) -> (Tensor, Tensor) {
        var rng = Engine.RandomGenerator(seed: seed)
        let conditions = Tensor.randomNormal([batch, level.conditionCount, conditionWidth], generator: &rng)
        let features = Tensor.randomUniform([batch, level.geometry.tokens, level.geometry.featuresPerPatch], generator: &rng)
        return (conditions, features)
    }

    /// The condition of every scan position from one full causal pass: output c − 1 + j.
    static func fullConditions(_ level: GeneratorLevel, _ conditions: Tensor, _ features: Tensor) -> [[Float]] {
        var unused = Engine.RandomGenerator(seed: 0)
        let outputs = level.encode(conditions: conditions, features: features, masked: nil, generator: &unused)
        return (0..<level.geometry.tokens).map { j in
            let position = level.conditionCount - 1 + j
            return outputs.sliced(alongAxis: 1, position..<(position + 1)).scalars
        }
    }

    @Test(arguments: [ScanOrder.rowMajor, .columnMajor])
    func cachedDecodingEqualsFullRecomputation(_ order: ScanOrder) {
        // Level 0 (one style condition) and level 1 under a MAR parent (five conditions).
        let model = SamplingTests.model([.ar, .ar, .ar], scanOrder: order)
        let mixed = SamplingTests.model([.mar, .ar, .mar], scanOrder: order)
        for (level, conditionWidth) in [(model.levels.layers[0], 16), (model.levels.layers[1], 16), (mixed.levels.layers[1], 16)] {
            let (conditions, features) = Self.inputs(level, batch: 3, conditionWidth: conditionWidth, seed: 4)
            let full = Self.fullConditions(level, conditions, features)
            let decoder = level.makeDecoder(conditions: conditions)
            for (j, token) in level.scanOrder.enumerated() {
                let cached = decoder.nextCondition.scalars
                let maxDifference = zip(cached, full[j]).map { abs($0 - $1) }.max() ?? 0
                #expect(maxDifference < 1e-5, "level \(level.level) scan position \(j): \(maxDifference)")
                if j < level.geometry.tokens - 1 {
                    decoder.feed(features: features.sliced(alongAxis: 1, token..<(token + 1))
                        .reshaped([3, level.geometry.featuresPerPatch]))
                }
            }
        }
    }

    @Test(arguments: [ScanOrder.rowMajor, .columnMajor])
    func aPatchNeverConditionsItselfOrEarlierPatches(_ order: ScanOrder) {
        let model = SamplingTests.model([.ar, .ar, .ar], scanOrder: order)
        let level = model.levels.layers[0]
        let (conditions, features) = Self.inputs(level, batch: 1, conditionWidth: 16, seed: 8)
        let before = Self.fullConditions(level, conditions, features)
        let tokens = level.geometry.tokens, perPatch = level.geometry.featuresPerPatch
        for i in [0, 3, tokens - 2] {
            let token = level.scanOrder[i]
            var values = features.scalars
            for f in 0..<perPatch { values[token * perPatch + f] += 1 }
            let changed = Tensor(shape: features.shape, scalars: values)
            let after = Self.fullConditions(level, conditions, changed)
            for j in 0...i { #expect(after[j] == before[j], "changing scan patch \(i) changed the condition of \(j)") }
            #expect(after[i + 1] != before[i + 1], "patch \(i) does not condition patch \(i + 1)")
        }
    }

    @Test func scanOrdersChangeTrainingAndEachSamplesConsistently() throws {
        let cells = ModelFixtures.patternRoll(width: SamplingTests.width)
        var losses: [Double] = []
        for order in ScanOrder.allCases {
            let model = SamplingTests.model([.ar, .ar, .ar], scanOrder: order)
            losses.append(model.evaluationLoss(cells: cells, labels: [0], width: SamplingTests.width, seed: 1).loss)
            var rng = Engine.RandomGenerator(seed: 2)
            let step = model.trainingStep(cells: cells, labels: [0], width: SamplingTests.width, rng: &rng)
            #expect(step.loss.isFinite)
            let known = KnownContent(prefixOf: cells, width: SamplingTests.width, steps: 16)
            let first = try model.sample(count: 1, known: known, options: SamplingTests.settings)
            let again = try model.sample(count: 1, known: known, options: SamplingTests.settings) == first
            #expect(again, "\(order) not reproducible")
            let changed = known.mask.indices.filter { known.mask[$0] && first[0][$0] != cells[$0] }
            #expect(changed.isEmpty, "\(order): known cells \(changed.prefix(5)) changed")
        }
        // Same parameters, different scan order: the sequence really is permuted.
        #expect(losses[0] != losses[1])
    }
}
