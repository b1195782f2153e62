import Foundation
import Testing
import Engine
import NN
import FractalModel

/// In inference a level encodes a share of its batch on each thread. The shares must give
/// exactly the bits of one pass over the whole batch, at any thread count, and sampling must
/// not depend on the thread count.
@Suite(.serialized) struct ConcurrentEncodeTests {
    /// Runs `body` with the engine on `threads` threads, then restores the count.
    static func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        let previous = Engine.threadCount
        Engine.setThreadCount(threads)
        defer { Engine.setThreadCount(previous) }
        return try body()
    }

    static func bits(_ tensor: Tensor) -> [UInt32] { tensor.scalars.map(\.bitPattern) }

    @Test(arguments: [[GeneratorType.mar, .mar, .mar], [.mar, .ar, .ar]])
    func everyLevelEncodesTheSameBitsAtAnyThreadCount(types: [GeneratorType]) {
        let model = PitchEmbeddingTests.model(types, pitchEmbedding: true, seed: 3)
        PitchEmbeddingTests.randomizeTables(of: model, seed: 4)
        model.setTraining(false)
        let batch = 5
        for level in model.levels.layers {
            let conditionWidth = level.level == 0 ? level.width : model.levels.layers[level.level - 1].width
            let (conditions, features) = AutoregressiveTests.inputs(level, batch: batch, conditionWidth: conditionWidth,
                                                                     seed: UInt64(10 + level.level))
            var flagSource = Engine.RandomGenerator(seed: 7)
            let masked: [Bool]? = level.type == .mar
                ? (0..<(batch * level.geometry.tokens)).map { _ in Bool.random(using: &flagSource) } : nil
            let origins = (0..<batch).map { ($0 * 8) % 128 }
            let pitchOrigins: [Int]? = level.pitchEmbedding == nil ? nil : origins
            func encode(threads: Int) -> ([UInt32], UInt64) {
                Self.withThreads(threads) {
                    var generator = Engine.RandomGenerator(seed: 99)
                    let outputs = level.encode(conditions: conditions, features: features, masked: masked,
                                               pitchOrigins: pitchOrigins, generator: &generator)
                    #expect(outputs.shape == [batch, level.conditionCount + level.geometry.tokens, level.width])
                    return (Self.bits(outputs), generator.next())
                }
            }
            let (whole, nextDraw) = encode(threads: 1)
            var fresh = Engine.RandomGenerator(seed: 99)
            // Out of training mode the generator is not advanced, shared out or not.
            #expect(nextDraw == fresh.next())
            for threads in [2, 3] {
                let (shared, draw) = encode(threads: threads)
                let same = shared == whole
                #expect(same, "level \(level.level) at \(threads) threads gives other bits than one pass")
                #expect(draw == nextDraw)
            }
        }
    }

    @Test func samplingSeveralRollsDoesNotDependOnTheThreadCount() throws {
        let model = PitchEmbeddingTests.model([.mar, .mar, .mar], pitchEmbedding: true, seed: 5)
        PitchEmbeddingTests.randomizeTables(of: model, seed: 6)
        let options = SamplingOptions(numIterList: [3, 2, 2], cfg: 2, seed: 11)
        let one = try Self.withThreads(1) { try model.sample(count: 3, options: options) }
        let two = try Self.withThreads(2) { try model.sample(count: 3, options: options) }
        #expect(one == two)
    }
}
