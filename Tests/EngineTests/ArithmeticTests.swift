import Engine
import Testing

@Suite struct ArithmeticTests {
    @Test func broadcastingShapes() {
        let a = Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [4, 1], scalars: [10, 20, 30, 40])
        let c = a + b
        #expect(c.shape == [2, 4, 3])
        #expect(Array(c.scalars.prefix(6)) == [11, 12, 13, 21, 22, 23])
        #expect(c.scalars[12] == 14)
        let d = Tensor(shape: [3], scalars: [1, 2, 4])
        #expect((a / d).scalars == [1, 1, 0.75, 4, 2.5, 1.5])
        #expect((a - Tensor(2)).scalars == [-1, 0, 1, 2, 3, 4])
        let empty = Tensor(shape: [0, 3], scalars: [])
        #expect((empty + d).shape == [0, 3])
        #expect(empty.sum(alongAxis: 0).scalars == [0, 0, 0])
    }

    @Test func broadcastingGradients() {
        let a = randomTensor([2, 3, 4], seed: 1)
        let b = randomTensor([3, 1], seed: 2)
        let c = randomTensor([4], seed: 3)
        checkGradients([a, b, c]) { x in (x[0] + x[1]) * x[2] - x[1] }
        let d = Tensor(shape: [3, 1], scalars: [1.5, -2, 3], requiresGrad: true)
        checkGradients([a, d]) { x in x[0] / x[1] }
    }

    @Test func unaryGradients() {
        let a = randomTensor([3, 5], seed: 4)
        checkGradients([a]) { x in x[0].squared().scaled(by: 0.5).adding(1).exp() }
        let positive = Tensor(shape: [4], scalars: [0.5, 1, 2, 3], requiresGrad: true)
        checkGradients([positive]) { x in x[0].log() }
        let awayFromKink = Tensor(shape: [4], scalars: [-1.5, -0.2, 0.3, 2], requiresGrad: true)
        checkGradients([awayFromKink]) { x in x[0].relu() }
        #expect(awayFromKink.relu().scalars == [0, 0, 0.3, 2])
    }

    @Test func reductionGradients() {
        let a = randomTensor([2, 3, 4], seed: 5)
        #expect(a.sum(alongAxes: [0, 2]).shape == [3])
        #expect(a.mean(alongAxis: 1, keepingDimensions: true).shape == [2, 1, 4])
        checkGradients([a]) { x in x[0].sum(alongAxes: [0, 2]) }
        checkGradients([a]) { x in x[0].mean(alongAxis: -1) }
        checkGradients([a]) { x in x[0].sum(alongAxes: [1]) }
        checkGradients([a]) { x in x[0].mean() }
    }

    @Test func reductionValues() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(a.sum(alongAxis: 0).scalars == [5, 7, 9])
        #expect(a.sum(alongAxis: 1).scalars == [6, 15])
        #expect(a.sum().item == 21)
        #expect(a.mean().item == 3.5)
        // Many rows and few columns take the blocked two-level path.
        let tall = randomTensor([3000, 5], seed: 17, requiresGrad: false)
        let values = tall.scalars
        let columnSums = tall.sum(alongAxis: 0).scalars
        for c in 0..<5 {
            let expected = stride(from: c, to: values.count, by: 5).reduce(0.0) { $0 + Double(values[$1]) }
            #expect(abs(Double(columnSums[c]) - expected) < 1e-3)
        }
    }

    @Test func matmulGradients() {
        let a = randomTensor([3, 4], seed: 6)
        let b = randomTensor([4, 5], seed: 7)
        checkGradients([a, b]) { x in x[0].matmul(x[1]) }
        let at = randomTensor([4, 3], seed: 8)
        let bt = randomTensor([5, 4], seed: 9)
        checkGradients([at, bt]) { x in x[0].matmul(x[1], transposeSelf: true, transposeOther: true) }
        checkGradients([a, bt]) { x in x[0].matmul(x[1], transposeOther: true) }
        checkGradients([at, b]) { x in x[0].matmul(x[1], transposeSelf: true) }
        let batchedA = randomTensor([2, 3, 4], seed: 10)
        let batchedB = randomTensor([2, 5, 4], seed: 11)
        checkGradients([batchedA, batchedB]) { x in x[0].matmul(x[1], transposeOther: true) }
        checkGradients([batchedA, b]) { x in x[0].matmul(x[1]) }
    }

    @Test func matmulValues() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect(a.matmul(b).scalars == [19, 22, 43, 50])
        #expect(a.matmul(b, transposeSelf: true).scalars == [26, 30, 38, 44])
        #expect(a.matmul(b, transposeOther: true).scalars == [17, 23, 39, 53])
    }

    @Test func linearGradients() {
        let x = randomTensor([2, 3, 4], seed: 12)
        let w = randomTensor([5, 4], seed: 13)
        let b = randomTensor([5], seed: 14)
        checkGradients([x, w, b]) { t in t[0].linear(weight: t[1], bias: t[2]) }
        checkGradients([x, w]) { t in t[0].linear(weight: t[1]) }
        let reference = x.matmul(w, transposeOther: true) + b
        let fused = x.linear(weight: w, bias: b)
        for (p, q) in zip(reference.scalars, fused.scalars) { #expect(abs(p - q) < 1e-5) }
    }

    @Test func shapeGradients() {
        let a = randomTensor([2, 3, 4], seed: 15)
        let b = randomTensor([2, 2, 4], seed: 16)
        checkGradients([a]) { x in x[0].permuted([2, 0, 1]) }
        checkGradients([a]) { x in x[0].transposed(0, 1).reshaped([3, 8]) }
        checkGradients([a]) { x in x[0].sliced(alongAxis: 1, 1..<3) }
        checkGradients([a, b]) { x in Tensor.concatenate([x[0], x[1], x[0]], alongAxis: 1) }
        #expect(a.permuted([2, 0, 1]).shape == [4, 2, 3])
        let m = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(m.transposed().scalars == [1, 4, 2, 5, 3, 6])
        #expect(m.sliced(alongAxis: 1, 1..<3).scalars == [2, 3, 5, 6])
        #expect(Tensor.concatenate([m, m], alongAxis: 0).shape == [4, 3])
    }
}

/// Operands of one shape merge into a single long row; such adds, copies and fills are cut
/// into segments shared out over the threads.
@Suite("Long rows shared out over the threads", .serialized)
struct LongRowTests {
    @Test("adds, broadcasts, slices and fills over rows of 100,003 elements: exact values, same bits at any thread count")
    func longRows() {
        var rng = Engine.RandomGenerator(seed: 8)
        let a = Tensor.randomNormal([3, 100_003], generator: &rng)
        let b = Tensor.randomNormal([3, 100_003], generator: &rng)
        let column = Tensor.randomNormal([3, 1], generator: &rng)
        let sa = a.scalars, sb = b.scalars, sc = column.scalars
        func results() -> [[Float]] {
            [(a + b).scalars, (a * column).scalars, a.sliced(alongAxis: 0, 1..<3).scalars,
             a.sliced(alongAxis: 1, 17..<90_017).scalars, Tensor(shape: [200_001], repeating: 2.5).scalars]
        }
        let one = withEngineThreads(1, results)
        let sums: [Float] = zip(sa, sb).map { $0 + $1 }
        let sumsMatch = one[0] == sums
        #expect(sumsMatch, "a + b")
        let scaled: [Float] = sa.indices.map { sa[$0] * sc[$0 / 100_003] }
        let scaledMatch = one[1] == scaled
        #expect(scaledMatch, "a * column")
        let rowsMatch = one[2] == Array(sa[100_003...])
        #expect(rowsMatch, "rows 1 and 2")
        var window: [Float] = []
        for row in 0..<3 { window += sa[(row * 100_003 + 17)..<(row * 100_003 + 90_017)] }
        let windowMatch = one[3] == window
        #expect(windowMatch, "columns 17 ..< 90,017")
        #expect(one[4].count == 200_001 && one[4].allSatisfy { $0 == 2.5 })
        for threads in [2, 3] {
            let bits = { (rows: [[Float]]) -> [[UInt32]] in rows.map { $0.map(\.bitPattern) } }
            let same = bits(withEngineThreads(threads, results)) == bits(one)
            #expect(same, "\(threads) threads")
        }
    }
}
