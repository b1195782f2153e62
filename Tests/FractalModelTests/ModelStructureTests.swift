import Foundation
import Testing
import Engine
import NN
import FractalModel

/// The instantiated model against the plan's inventory, and the grid geometry.
@Suite struct ModelStructureTests {
    static func shipped(_ name: String) throws -> FractalConfig {
        try FractalConfig.load(contentsOf: ConfigLoadingTests.shippedURL(name)).config
    }

    @Test(arguments: ["train_default", "train_small", "train_tiny"])
    func parameterCountsAndTokensEqualThePlan(_ name: String) throws {
        let config = try Self.shipped(name)
        let plan = try FractalPlan(config: config)
        let model = FractalGenerativeModel(config: config, seed: 1)
        #expect(model.parameterCountsPerLevel == plan.levels.map(\.parameters) + [plan.head.parameters])
        #expect(model.parameterCount == plan.totalParameters)
        #expect(model.tokensPerLevel == plan.levels.map(\.tokens))
        for (level, levelPlan) in zip(model.levels.layers, plan.levels) {
            #expect(level.geometry.gridRows == levelPlan.gridRows)
            #expect(level.geometry.gridCols == levelPlan.gridCols)
            #expect(level.conditionCount == levelPlan.conditionTokens)
            // Each inventory group is a name prefix of the level's parameters with that count.
            let named = level.namedParameters()
            for group in levelPlan.parameterGroups {
                let count = named.filter { $0.name == group.name || $0.name.hasPrefix(group.name + ".") }
                    .reduce(0) { $0 + $1.tensor.count }
                #expect(count == group.count, "level \(levelPlan.level) group \(group.name)")
            }
        }
        let headNamed = model.head.namedParameters()
        for group in plan.head.parameterGroups {
            let count = headNamed.filter { $0.name == group.name || $0.name.hasPrefix(group.name + ".") }
                .reduce(0) { $0 + $1.tensor.count }
            #expect(count == group.count, "head group \(group.name)")
        }
    }

    @Test func parameterNamesAreDotted() throws {
        let model = FractalGenerativeModel(config: try Self.shipped("train_tiny"), seed: 1)
        let names = Set(model.namedParameters().map(\.name))
        for expected in ["levels.0.class_embedding", "levels.0.mask_token", "levels.0.pos_embed",
                         "levels.0.patch_embed.weight", "levels.0.cond_proj.0.weight", "levels.1.cond_proj.4.bias",
                         "levels.2.blocks.0.attn.qkv.weight", "levels.2.norm.weight",
                         "head.state_embedding", "head.velocity_embedding", "head.pos_embed", "head.cond_proj.weight",
                         "head.blocks.0.mlp.fc2.bias", "head.norm.bias"] {
            #expect(names.contains(expected), "\(expected)")
        }
    }

    @Test func stateDictRoundTrip() throws {
        let config = try Self.shipped("train_tiny")
        let source = FractalGenerativeModel(config: config, seed: 1)
        let target = FractalGenerativeModel(config: config, seed: 2)
        let bytes = source.stateDict().serialized()
        try target.load(stateDict: try SafeTensorsFile(bytes: bytes, source: "memory"))
        for (a, b) in zip(source.namedParameters(), target.namedParameters()) {
            #expect(a.name == b.name)
            #expect(a.tensor.scalars == b.tensor.scalars)
        }
    }

    @Test func neighbourConditionsOnANonSquareGrid() {
        // Level 0 of the default model at width 512: 8 pitch bands × 32 time columns.
        let geometry = LevelGeometry(inputRows: 128, inputCols: 512, patch: 16)
        #expect(geometry.gridRows == 8 && geometry.gridCols == 32 && geometry.tokens == 256)
        // Output of token t in item b is (b·1000 + t + 1) in every column.
        let width = 3, batch = 2
        var values: [Float] = []
        for b in 0..<batch { for t in 0..<256 { values += Array(repeating: Float(b * 1000 + t + 1), count: width) } }
        let outputs = Tensor(shape: [batch, 256, width], scalars: values)
        let picks: [(item: Int, token: Int)] = [(0, 0), (1, 33), (0, 31), (1, 255), (0, 224)]
        let conditions = GeneratorLevel.neighbourConditions(patchOutputs: outputs, geometry: geometry, picks: picks)
        #expect(conditions.shape == [5, 5, width])
        let got = conditions.scalars
        func value(_ pick: Int, _ condition: Int) -> Float { got[(pick * 5 + condition) * width] }
        func expected(_ item: Int, _ token: Int?) -> Float { token.map { Float(item * 1000 + $0 + 1) } ?? 0 }
        // Token 0 (top-left corner): no top, right = 1, bottom = 32, no left.
        #expect([0, 1, 2, 3, 4].map { value(0, $0) } == [expected(0, 0), 0, expected(0, 1), expected(0, 32), 0])
        // Token 33 (row 1, column 1): top 1, right 34, bottom 65, left 32.
        #expect([0, 1, 2, 3, 4].map { value(1, $0) } == [expected(1, 33), expected(1, 1), expected(1, 34), expected(1, 65), expected(1, 32)])
        // Token 31 (row 0, last column): no top, no right, bottom 63, left 30.
        #expect([0, 1, 2, 3, 4].map { value(2, $0) } == [expected(0, 31), 0, 0, expected(0, 63), expected(0, 30)])
        // Token 255 (last row, last column): top 223, no right, no bottom, left 254.
        #expect([0, 1, 2, 3, 4].map { value(3, $0) } == [expected(1, 255), expected(1, 223), 0, 0, expected(1, 254)])
        // Token 224 (last row, first column): top 192, right 225, nothing below or left.
        #expect([0, 1, 2, 3, 4].map { value(4, $0) } == [expected(0, 224), expected(0, 192), expected(0, 225), 0, 0])
    }

    @Test func scanOrdersPermuteTheGrid() {
        let geometry = LevelGeometry(inputRows: 128, inputCols: 64, patch: 16)  // 8 × 4
        let rowMajor = geometry.scanOrder(.rowMajor)
        let columnMajor = geometry.scanOrder(.columnMajor)
        #expect(rowMajor == Array(0..<32))
        #expect(columnMajor.prefix(9) == [0, 4, 8, 12, 16, 20, 24, 28, 1])
        #expect(Set(columnMajor) == Set(rowMajor) && columnMajor != rowMajor)
    }
}
