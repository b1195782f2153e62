import Foundation
import Testing
import Engine
import NN
import FractalModel

/// `model.pitch_embedding`: which levels get a table, which row each token adds, and that a
/// model that switches it on computes exactly what it computed before until the tables move.
@Suite struct PitchEmbeddingTests {
    static let width = 32

    static func model(_ types: [GeneratorType], pitchEmbedding: Bool, seed: UInt64) -> FractalGenerativeModel {
        var config = ModelFixtures.tinyConfig(types: types, width: width, widths: [16, 16, 8, 8])
        config.model.pitchEmbedding = pitchEmbedding
        return FractalGenerativeModel(config: config, seed: seed)
    }

    /// Copies every parameter of `source` into the parameter of the same name of `target`.
    static func copy(_ source: FractalGenerativeModel, into target: FractalGenerativeModel) {
        let values = Dictionary(uniqueKeysWithValues: source.namedParameters().map { ($0.name, $0.tensor.scalars) })
        for parameter in target.namedParameters() {
            guard let scalars = values[parameter.name] else { continue }
            parameter.tensor.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: scalars) }
        }
    }

    /// Fills every pitch table of `model` with draws from a standard normal.
    static func randomizeTables(of model: FractalGenerativeModel, seed: UInt64) {
        var rng = Engine.RandomGenerator(seed: seed)
        for level in model.levels.layers {
            guard let table = level.pitchEmbedding else { continue }
            let values = Tensor.randomNormal(table.shape, generator: &rng).scalars
            table.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: values) }
        }
    }

    static let mixes: [[GeneratorType]] = [[.mar, .mar, .mar], [.mar, .ar, .ar], [.ar, .mar, .ar]]

    @Test func levelsBelowTheTopGetOneZeroRowPerPitchBand() {
        let model = Self.model([.mar, .mar, .mar], pitchEmbedding: true, seed: 1)
        #expect(model.levels.layers[0].pitchEmbedding == nil)
        // Level 1 cuts a 16 × 16 patch into 4 × 4 patches: 32 bands of 4 pitches.
        #expect(model.levels.layers[1].pitchEmbedding?.shape == [32, 16])
        // Level 2 cuts a 4 × 4 patch into single cells: one band per pitch.
        #expect(model.levels.layers[2].pitchEmbedding?.shape == [128, 8])
        for level in model.levels.layers.dropFirst() {
            #expect(level.pitchEmbedding!.scalars.allSatisfy { $0 == 0 })
        }
        let names = Set(model.namedParameters().map(\.name))
        #expect(names.isSuperset(of: ["levels.1.pitch_embedding", "levels.2.pitch_embedding"]))
        #expect(!names.contains("levels.0.pitch_embedding"))
        let plain = Self.model([.mar, .mar, .mar], pitchEmbedding: false, seed: 1)
        #expect(!plain.namedParameters().contains { $0.name.hasSuffix("pitch_embedding") })
        #expect(model.parameterCount == plain.parameterCount + 32 * 16 + 128 * 8)
    }

    @Test func thePlanCountsTheTables() throws {
        var config = try ModelStructureTests.shipped("train_cpu")
        config.model.pitchEmbedding = true
        let plan = try FractalPlan(config: config)
        let model = FractalGenerativeModel(config: config, seed: 1)
        #expect(model.parameterCountsPerLevel == plan.levels.map(\.parameters) + [plan.head.parameters])
        #expect(plan.levels.map { $0.parameterGroups.first { $0.name == "pitch_embedding" }?.count ?? 0 } == [0, 32 * 128, 128 * 64])
    }

    @Test func bandsFollowTheKeyboard() {
        let model = Self.model([.mar, .mar, .mar], pitchEmbedding: true, seed: 1)
        // Level 0: the 128 × 32 roll in 16 × 16 patches, a grid of 8 bands × 2 columns;
        // token 7 is band 3, column 1, so its patch starts at pitch 48.
        let top = model.levels.layers[0].geometry
        #expect(top.pitchOrigin(ofToken: 7, itemOrigin: 0) == 48)
        #expect(top.pitchOrigin(ofToken: 0, itemOrigin: 0) == 0)
        // Level 1: that patch as an item (origin 48), in 4 × 4 patches on a 4 × 4 grid.
        let middle = model.levels.layers[1]
        #expect(middle.geometry.pitchOrigin(ofToken: 9, itemOrigin: 48) == 56)
        #expect(middle.pitchBands(origins: [0, 48], tokens: [0, 3, 4, 15]) == [0, 0, 1, 3, 12, 12, 13, 15])
        // Level 2: a 4 × 4 patch from pitch 56; its cells' rows are pitches 56 … 59.
        let bottom = model.levels.layers[2]
        #expect(bottom.pitchBands(origins: [56], tokens: [0, 3, 5, 15]) == [56, 56, 57, 59])
    }

    @Test(arguments: mixes)
    func zeroTablesChangeNothingAndTrainedTablesDo(_ types: [GeneratorType]) throws {
        let plain = Self.model(types, pitchEmbedding: false, seed: 7)
        let pitched = Self.model(types, pitchEmbedding: true, seed: 8)
        Self.copy(plain, into: pitched)
        let rolls = ModelFixtures.patternRoll(width: Self.width) + Array(ModelFixtures.patternRoll(width: Self.width).reversed())
        let labels: [Int32] = [0, 0]
        let plainLoss = plain.evaluationLoss(cells: rolls, labels: labels, width: Self.width, seed: 3)
        #expect(pitched.evaluationLoss(cells: rolls, labels: labels, width: Self.width, seed: 3).bitsPerCell == plainLoss.bitsPerCell)
        // Guided sampling runs both branches, continuation keeps known cells: every path.
        let guided = SamplingOptions(numIterList: [3, 2, 2], cfg: 2, seed: 11)
        let known = KnownContent(prefixOf: rolls, width: Self.width, steps: 13)
        #expect(try pitched.sample(count: 2, known: known, options: guided) == plain.sample(count: 2, known: known, options: guided))

        Self.randomizeTables(of: pitched, seed: 5)
        #expect(pitched.evaluationLoss(cells: rolls, labels: labels, width: Self.width, seed: 3).bitsPerCell != plainLoss.bitsPerCell)
        #expect(try pitched.sample(count: 2, known: known, options: guided) != plain.sample(count: 2, known: known, options: guided))
    }

    @Test func trainingReachesTheTables() {
        let model = Self.model([.mar, .mar, .mar], pitchEmbedding: true, seed: 2)
        var rng = Engine.RandomGenerator(seed: 4)
        model.trainingStep(cells: ModelFixtures.patternRoll(width: Self.width), labels: [0], width: Self.width, rng: &rng)
        for level in model.levels.layers.dropFirst() {
            let gradient = level.pitchEmbedding!.grad?.scalars ?? []
            #expect(gradient.contains { $0 != 0 }, "level \(level.level)")
        }
    }

    @Test(arguments: [ScanOrder.rowMajor, .columnMajor])
    func cachedDecodingAddsTheSameRowsAsAFullPass(_ order: ScanOrder) {
        var config = ModelFixtures.tinyConfig(types: [.mar, .ar, .ar], scanOrder: order, width: Self.width, widths: [16, 16, 8, 8])
        config.model.pitchEmbedding = true
        let model = FractalGenerativeModel(config: config, seed: 9)
        Self.randomizeTables(of: model, seed: 6)
        let level = model.levels.layers[1]
        let (conditions, features) = AutoregressiveTests.inputs(level, batch: 3, conditionWidth: 16, seed: 4)
        let origins = [0, 48, 112]
        var unused = Engine.RandomGenerator(seed: 0)
        let outputs = level.encode(conditions: conditions, features: features, masked: nil, pitchOrigins: origins, generator: &unused)
        let decoder = level.makeDecoder(conditions: conditions, pitchOrigins: origins)
        for (j, token) in level.scanOrder.enumerated() {
            let position = level.conditionCount - 1 + j
            let full = outputs.sliced(alongAxis: 1, position..<(position + 1)).scalars
            let maxDifference = zip(decoder.nextCondition.scalars, full).map { abs($0 - $1) }.max() ?? 0
            #expect(maxDifference < 1e-5, "scan position \(j): \(maxDifference)")
            if j < level.geometry.tokens - 1 {
                decoder.feed(features: features.sliced(alongAxis: 1, token..<(token + 1)).reshaped([3, level.geometry.featuresPerPatch]))
            }
        }
    }
}
