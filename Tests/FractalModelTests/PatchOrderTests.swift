import Foundation
import Testing
import FractalModel

/// `SamplingOptions.patchOrder`: a MAR level in time order draws earlier time columns
/// before later ones, and sampling keeps its other promises (known cells, seeds).
@Suite struct PatchOrderTests {
    static let width = SamplingTests.width

    @Test func earlierColumnsAreDrawnFirst() {
        // 2 pitch bands × 3 time columns; MAR draws from the end of the order.
        let geometry = LevelGeometry(inputRows: 8, inputCols: 12, patch: 4)
        let shuffled = [4, 0, 5, 2, 1, 3]
        #expect(geometry.drawingEarlierColumnsFirst(shuffled) == [5, 2, 4, 1, 0, 3])
        let wide = LevelGeometry(inputRows: 16, inputCols: 64, patch: 4)
        let order = Array((0..<wide.tokens).reversed())
        let arranged = wide.drawingEarlierColumnsFirst(order)
        #expect(Set(arranged) == Set(order))
        let columns = arranged.map { $0 % wide.gridCols }
        #expect(columns == columns.sorted(by: >))
    }

    /// The level-0 canvas after the first of two steps: 5 of the 16 patches (8 pitch bands ×
    /// 2 columns of 16 steps) are drawn; in time order they all lie in the first column.
    static func firstFrame(_ orders: [PatchOrder]) throws -> [UInt8] {
        let model = SamplingTests.model([.mar, .mar, .mar])
        var settings = SamplingOptions(numIterList: [2, 2, 2], redrawSeams: false, seed: 11)
        try settings.setPatchOrders(orders)
        var frames: [SamplingProgress] = []
        _ = try model.sample(count: 1, options: settings) { frames.append($0) }
        return try #require(frames.first?.rolls.first)
    }

    static func soundingCells(_ roll: [UInt8], steps: Range<Int>) -> Int {
        (0..<128).reduce(0) { sum, pitch in sum + steps.filter { roll[pitch * width + $0] != 0 }.count }
    }

    @Test func timeOrderAtTheTopLevelFillsTheRollFromTheStart() throws {
        let timed = try Self.firstFrame([.time, .random, .random])
        #expect(Self.soundingCells(timed, steps: 16..<32) == 0, "a later column was drawn first")
        #expect(Self.soundingCells(timed, steps: 0..<16) > 50)
        let random = try Self.firstFrame([])
        #expect(Self.soundingCells(random, steps: 16..<32) > 0, "random order drew the first column only")
    }

    @Test func timeOrderKeepsKnownCellsAndReproduces() throws {
        let model = SamplingTests.model([.mar, .mar, .mar])
        let source = ModelFixtures.patternRoll(width: Self.width)
        let known = KnownContent(cells: source, mask: SamplingTests.inpaintingMask(count: 1))
        var settings = SamplingTests.settings
        try settings.setPatchOrders([.time, .time, .time])
        let first = try model.sample(count: 1, known: known, options: settings)
        #expect(try model.sample(count: 1, known: known, options: settings) == first)
        let output = try #require(first.first)
        #expect(zip(output, source).enumerated().allSatisfy { index, pair in !known.mask[index] || pair.0 == pair.1 })
        try settings.setPatchOrders([.random, .random, .random])
        let random = try model.sample(count: 1, known: known, options: settings)
        try settings.setPatchOrders([])
        #expect(try model.sample(count: 1, known: known, options: settings) == random, "an empty list is not random order")
        #expect(random != first, "the order does not change the output")
    }

    @Test func settingsNeedOneOrderPerMARLevel() throws {
        let model = SamplingTests.model([.mar, .ar, .mar])
        var settings = SamplingOptions(numIterList: [2, 2], seed: 1)
        #expect(throws: SamplingOptionsError(.patchOrder, "[time, time, time] has 3 entries for 2 MAR levels; give one per MAR level, e.g. [random, time], or none for random order everywhere")) {
            try settings.setPatchOrders([.time, .time, .time])
        }
        try settings.setPatchOrders([.random, .time])
        #expect(try model.sample(count: 1, options: settings).count == 1)
        #expect(throws: ConfigError.self) {
            try FractalConfig.parse(yaml: "model:\n  generator_types: [mar, ar, mar]\nsampling:\n  patch_order: [time, time, time]\n", file: "a.yaml")
        }
    }

    @Test func configKeyDefaultsToRandomOrderEverywhere() throws {
        let plain = try FractalConfig.parse(yaml: "", file: "a.yaml").config
        #expect(plain.sampling.drawsInTrainingOrder && plain.sampling.seeded(1).drawsInTrainingOrder)
        let mixed = try FractalConfig.parse(yaml: "model:\n  generator_types: [mar, ar, mar]\nsampling:\n  patch_order: [time, random]\n",
                                            file: "a.yaml").config
        #expect(mixed.sampling.patchOrders == [.time, .random])
        let timed = try FractalConfig.parse(yaml: "sampling:\n  patch_order: [random, time, time]\n", file: "a.yaml").config
        #expect(timed.sampling.seeded(1).patchOrders == [.random, .time, .time])
    }
}
