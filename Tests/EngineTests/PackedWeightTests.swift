import Engine
import Testing

/// Products through packed weights (``PackedWeight``): inference's, packed once, and a
/// narrow layer's over a training batch, packed per call. The same numbers as `sgemm`, the
/// same bits at every thread count, and never a stale packing.
@Suite("Packed weights", .serialized)
struct PackedWeightTests {
    /// `x · wᵀ + b` summed in Double, the yardstick.
    func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> [Double] {
        let rows = x.shape[0], inputs = x.shape[1], outputs = w.shape[0]
        let xs = x.scalars, ws = w.scalars, bs = b?.scalars
        var out = [Double](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var sum = Double(bs?[o] ?? 0)
                for k in 0..<inputs { sum += Double(xs[r * inputs + k]) * Double(ws[o * inputs + k]) }
                out[r * outputs + o] = sum
            }
        }
        return out
    }

    @Test("inference linear matches the exact product for every tile remainder and panel width",
          arguments: [(1, 5, 3), (2, 32, 96), (4, 16, 32), (5, 16, 16), (6, 33, 17), (7, 64, 48), (8, 24, 20), (13, 40, 37),
                     (21, 64, 40), (69, 256, 100)])
    func matchesTheExactProduct(rows: Int, inputs: Int, outputs: Int) {
        var generator = Engine.RandomGenerator(seed: UInt64(rows * 1000 + outputs))
        let x = Tensor.randomNormal([rows, inputs], generator: &generator)
        let w = Tensor.randomNormal([outputs, inputs], generator: &generator, requiresGrad: true)
        let b = Tensor.randomNormal([outputs], generator: &generator, requiresGrad: true)
        for bias in [b, nil] {
            let expected = reference(x, w, bias)
            let packed = Engine.withoutGradients { x.linear(weight: w, bias: bias) }.scalars
            let recorded = Engine.withGradients { x.linear(weight: w, bias: bias) }.scalars
            #expect(packed.count == expected.count)
            let tolerance = 1e-5 * Double(inputs).squareRoot() * 4
            for i in expected.indices {
                #expect(abs(Double(packed[i]) - expected[i]) <= tolerance, "element \(i)")
                #expect(abs(Double(recorded[i]) - expected[i]) <= tolerance, "element \(i) (sgemm)")
            }
        }
    }

    @Test("rows of any leading shape: [batch, tokens, in] gives what the flat rows give")
    func leadingDimensionsAreRows() {
        var generator = Engine.RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([3, 7, 24], generator: &generator)
        let w = Tensor.randomNormal([20, 24], generator: &generator, requiresGrad: true)
        let out = Engine.withoutGradients { x.linear(weight: w) }
        let flat = Engine.withoutGradients { x.reshaped([21, 24]).linear(weight: w) }
        #expect(out.shape == [3, 7, 20])
        #expect(out.scalars == flat.scalars)
    }

    @Test("the same bits at one, two and three threads")
    func threadCountDoesNotChangeTheBits() {
        let original = Engine.threadCount
        defer { Engine.setThreadCount(original) }
        var generator = Engine.RandomGenerator(seed: 5)
        let x = Tensor.randomNormal([69, 256], generator: &generator)
        let w = Tensor.randomNormal([768, 256], generator: &generator, requiresGrad: true)
        let b = Tensor.randomNormal([768], generator: &generator, requiresGrad: true)
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            Engine.setThreadCount(threads)
            results.append(Engine.withoutGradients { x.linear(weight: w, bias: b) }.scalars)
        }
        #expect(results[0] == results[1])
        #expect(results[0] == results[2])
    }

    @Test("a weight changed in place is packed again (an optimiser step between two evaluations)")
    func changedWeightsArePackedAgain() {
        var generator = Engine.RandomGenerator(seed: 9)
        let x = Tensor.randomNormal([4, 8], generator: &generator)
        let w = Tensor.randomNormal([6, 8], generator: &generator, requiresGrad: true)
        let before = Engine.withoutGradients { x.linear(weight: w) }.scalars
        w.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] *= 2 }
        }
        let after = Engine.withoutGradients { x.linear(weight: w) }.scalars
        let expected = reference(x, w, nil)
        for i in expected.indices { #expect(abs(Double(after[i]) - expected[i]) <= 1e-4) }
        #expect(zip(before, after).allSatisfy { abs($0 * 2 - $1) <= 1e-4 })
    }

    @Test("a view of the weight with another shape is packed for its own shape")
    func reshapedWeightsArePackedForTheirShape() {
        var generator = Engine.RandomGenerator(seed: 10)
        let w = Tensor.randomNormal([12, 8], generator: &generator, requiresGrad: true)
        let x8 = Tensor.randomNormal([2, 8], generator: &generator)
        let x16 = Tensor.randomNormal([2, 16], generator: &generator)
        let narrow = Engine.withoutGradients { x8.linear(weight: w) }
        let wide = Engine.withoutGradients { x16.linear(weight: w.reshaped([6, 16])) }
        #expect(narrow.shape == [2, 12] && wide.shape == [2, 6])
        let expected = reference(x16, w.reshaped([6, 16]), nil)
        for i in expected.indices { #expect(abs(Double(wide.scalars[i]) - expected[i]) <= 1e-4) }
    }

    @Test("packing from many threads at once gives one correct result")
    func concurrentCallersShareThePacking() async {
        var generator = Engine.RandomGenerator(seed: 12)
        let x = Tensor.randomNormal([9, 40], generator: &generator)
        let w = Tensor.randomNormal([33, 40], generator: &generator, requiresGrad: true)
        let expected = Engine.withGradients { x.linear(weight: w) }.scalars
        let results = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 { group.addTask { Engine.withoutGradients { x.linear(weight: w) }.scalars } }
            return await group.reduce(into: [[Float]]()) { $0.append($1) }
        }
        for result in results {
            #expect(zip(result, expected).allSatisfy { abs($0 - $1) <= 1e-4 })
        }
    }

    @Test("many rows (blocks of rows instead of panels) give the bits of the same rows taken a few at a time")
    func rowBlocksGiveTheBitsOfShortProducts() {
        var generator = Engine.RandomGenerator(seed: 14)
        let x = Tensor.randomNormal([1_003, 72], generator: &generator)
        let w = Tensor.randomNormal([50, 72], generator: &generator, requiresGrad: true)
        let b = Tensor.randomNormal([50], generator: &generator, requiresGrad: true)
        let whole = Engine.withoutGradients { x.linear(weight: w, bias: b) }.scalars
        var pieces: [Float] = []
        for first in stride(from: 0, to: 1_003, by: 59) {
            let rows = x.sliced(alongAxis: 0, first..<min(first + 59, 1_003))
            pieces += Engine.withoutGradients { rows.linear(weight: w, bias: b) }.scalars
        }
        #expect(whole == pieces)
        let expected = reference(x, w, b)
        #expect(expected.indices.allSatisfy { abs(Double(whole[$0]) - expected[$0]) <= 1e-4 })
    }

    @Test("a narrow layer over many rows while training (weight packed per call): exact values and gradients",
          arguments: [(200, 64, 96), (385, 130, 40), (512, 32, 128)])
    func trainingProductsOfNarrowLayers(rows: Int, inputs: Int, outputs: Int) {
        var generator = Engine.RandomGenerator(seed: UInt64(rows + inputs))
        let x = Tensor.randomNormal([rows, inputs], generator: &generator, requiresGrad: true)
        let w = Tensor.randomNormal([outputs, inputs], generator: &generator, requiresGrad: true)
        let b = Tensor.randomNormal([outputs], generator: &generator, requiresGrad: true)
        let seed = Tensor.randomNormal([rows, outputs], generator: &generator)
        let out = Engine.withGradients { x.linear(weight: w, bias: b) }
        let expected = reference(x, w, b)
        let tolerance = 1e-5 * Double(inputs).squareRoot() * 4
        #expect(expected.indices.allSatisfy { abs(Double(out.scalars[$0]) - expected[$0]) <= tolerance })
        out.backward(gradient: seed)
        // dx = seed · w, dw = seedᵀ · x, db = Σ rows of seed, summed in Double.
        let g = seed.scalars, xs = x.scalars, ws = w.scalars
        let dx = x.grad!.scalars, dw = w.grad!.scalars, db = b.grad!.scalars
        var worst = 0.0
        for r in 0..<rows {
            for k in 0..<inputs {
                var sum = 0.0
                for o in 0..<outputs { sum += Double(g[r * outputs + o]) * Double(ws[o * inputs + k]) }
                worst = max(worst, abs(sum - Double(dx[r * inputs + k])))
            }
        }
        for o in 0..<outputs {
            for k in 0..<inputs {
                var sum = 0.0
                for r in 0..<rows { sum += Double(g[r * outputs + o]) * Double(xs[r * inputs + k]) }
                worst = max(worst, abs(sum - Double(dw[o * inputs + k])) / Double(rows).squareRoot())
            }
            var sum = 0.0
            for r in 0..<rows { sum += Double(g[r * outputs + o]) }
            worst = max(worst, abs(sum - Double(db[o])) / Double(rows).squareRoot())
        }
        #expect(worst <= 1e-4 * Double(max(inputs, outputs)).squareRoot())
    }

    @Test("a narrow layer over many rows while training gives the same bits at one, two and three threads")
    func trainingProductsDoNotDependOnThreads() {
        let original = Engine.threadCount
        defer { Engine.setThreadCount(original) }
        var generator = Engine.RandomGenerator(seed: 15)
        let x = Tensor.randomNormal([700, 64], generator: &generator, requiresGrad: true)
        let w = Tensor.randomNormal([256, 64], generator: &generator, requiresGrad: true)
        let seed = Tensor.randomNormal([700, 256], generator: &generator)
        var outputs: [[Float]] = [], inputGradients: [[Float]] = []
        for threads in [1, 2, 3] {
            Engine.setThreadCount(threads)
            x.zeroGradient()
            let out = Engine.withGradients { x.linear(weight: w) }
            out.backward(gradient: seed)
            outputs.append(out.scalars)
            inputGradients.append(x.grad!.scalars)
        }
        #expect(outputs[0] == outputs[1] && outputs[0] == outputs[2])
        #expect(inputGradients[0] == inputGradients[1] && inputGradients[0] == inputGradients[2])
    }
}

/// The pool hands out many short jobs in quick succession (its workers spin between them).
@Suite("Thread pool hand-off", .serialized)
struct ThreadPoolHandOffTests {
    @Test("thousands of short jobs in a row each run every index exactly once")
    func shortJobsInARow() {
        let pool = ThreadPool(threadCount: 3)
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8)
        defer { hits.deallocate() }
        for job in 0..<5_000 {
            let count = 1 + job % 7
            hits.initialize(repeating: 0)
            pool.parallelFor(count) { i in hits[i] += 1 }
            #expect(hits.prefix(count).allSatisfy { $0 == 1 } && hits.dropFirst(count).allSatisfy { $0 == 0 }, "job \(job)")
        }
    }

    @Test("work shared out in parts runs each part once and gives the bits of one thread")
    func partsRunConcurrently() {
        let original = Engine.threadCount
        defer { Engine.setThreadCount(original) }
        var rng = Engine.RandomGenerator(seed: 21)
        let weight = Tensor.randomNormal([96, 64], generator: &rng, requiresGrad: true)
        let inputs = (0..<5).map { _ in Tensor.randomNormal([21 + 7, 64], generator: &rng) }
        Engine.setThreadCount(1)
        let serial = inputs.map { $0.linear(weight: weight).gelu().scalars }
        for threads in [2, 3] {
            Engine.setThreadCount(threads)
            var parts = [[Float]](repeating: [], count: inputs.count)
            var runs = [Int](repeating: 0, count: inputs.count)
            parts.withUnsafeMutableBufferPointer { parts in
                runs.withUnsafeMutableBufferPointer { runs in
                    Engine.runConcurrently(inputs.count) { part in
                        runs[part] += 1
                        parts[part] = inputs[part].linear(weight: weight).gelu().scalars
                    }
                }
            }
            #expect(runs.allSatisfy { $0 == 1 })
            let bits = { (rows: [[Float]]) in rows.map { $0.map(\.bitPattern) } }
            let same = bits(parts) == bits(serial)
            #expect(same, "\(threads) threads")
        }
    }

    @Test("a pool whose workers went to sleep still takes jobs, and shuts down")
    func jobsAfterIdleTime() async throws {
        let pool = ThreadPool(threadCount: 2)
        let values = UnsafeMutableBufferPointer<Int>.allocate(capacity: 100)
        defer { values.deallocate() }
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(50))
            values.initialize(repeating: 0)
            pool.parallelFor(100) { i in values[i] = i }
            #expect(values.reduce(0, +) == 4950)
        }
    }
}
