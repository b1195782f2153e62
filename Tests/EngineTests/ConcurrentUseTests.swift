import COpenBLAS
import Dispatch
import Engine
import Synchronization
import Testing

/// Large products shared over the engine's threads, and the engine called from several
/// threads at once.
@Suite("products over several threads, and callers on several threads", .serialized)
struct ConcurrentUseTests {
    /// `op(a) · op(b)` in double precision, for matrices given row-major as their stored shapes.
    static func reference(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> [Double] {
        let av = a.scalars, bv = b.scalars
        let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = transposeB ? b.shape[0] : b.shape[1]
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for p in 0..<k {
                let x = Double(transposeA ? av[p * m + i] : av[i * k + p])
                for j in 0..<n { out[i * n + j] += x * Double(transposeB ? bv[j * k + p] : bv[p * n + j]) }
            }
        }
        return out
    }

    @Test("a product cut into strips (rows or columns, transposed or not) is the product", arguments: [
        (m: 300, n: 70, k: 64, transposeA: false, transposeB: false),   // rows cut, 300 = 18 tiles + 12
        (m: 70, n: 300, k: 64, transposeA: false, transposeB: true),    // columns cut
        (m: 90, n: 40, k: 600, transposeA: true, transposeB: false),    // rows cut, long inner side
        (m: 33, n: 200, k: 128, transposeA: true, transposeB: true),    // columns cut
    ])
    func stripsMakeTheProduct(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool) {
        var generator = Engine.RandomGenerator(seed: UInt64(m * n + k))
        let a = Tensor.randomNormal(transposeA ? [k, m] : [m, k], generator: &generator)
        let b = Tensor.randomNormal(transposeB ? [n, k] : [k, n], generator: &generator)
        let expected = Self.reference(a, b, transposeA: transposeA, transposeB: transposeB)
        for threads in [1, 2, 3] {
            let product = withEngineThreads(threads) {
                a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB).scalars
            }
            let worst = zip(product, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(product.count == m * n && worst < 1e-3, "\(threads) threads: off by \(worst)")
        }
    }

    @Test("strips run one after another inside a parallel job give the bits of strips run in parallel")
    func stripsInsideAParallelJob() {
        var generator = Engine.RandomGenerator(seed: 21)
        let a = Tensor.randomNormal([400, 96], generator: &generator)
        let b = Tensor.randomNormal([96, 130], generator: &generator)
        for threads in [2, 3] {
            let same = withEngineThreads(threads) { () -> Bool in
                let alone = a.matmul(b).scalars.map(\.bitPattern)
                var inside = [[UInt32]](repeating: [], count: 2)
                inside.withUnsafeMutableBufferPointer { inside in
                    Engine.runConcurrently(2) { part in inside[part] = a.matmul(b).scalars.map(\.bitPattern) }
                }
                return inside.allSatisfy { $0 == alone }
            }
            #expect(same, "\(threads) threads")
        }
    }

    /// The gradients of a small training step: a layer too wide to pack (its products and
    /// weight gradient cut into strips), batched small products, and a cross-entropy loss.
    static func gradientBits(seed: UInt64) -> [UInt32] {
        var generator = Engine.RandomGenerator(seed: seed)
        let x = Tensor.randomNormal([512, 320], generator: &generator, requiresGrad: true)
        let w = Tensor.randomNormal([320, 320], standardDeviation: 0.05, generator: &generator, requiresGrad: true)
        let targets = (0..<512).map { _ in Int32(generator.next() % 16) }
        let loss = Engine.withGradients { () -> Tensor in
            let h = x.linear(weight: w)
            let rows = h.reshaped([32, 16, 320])
            let scores = rows.matmul(rows, transposeOther: true)
            return Tensor.crossEntropy(logits: scores.reshaped([512, 16]), targets: targets) + h.squared().mean()
        }
        loss.backward()
        return (x.grad!.scalars + w.grad!.scalars).map(\.bitPattern)
    }

    @Test("training steps on several threads at once each get the gradients they get alone")
    func trainingStepsOnSeveralThreads() {
        let seeds: [UInt64] = [1, 2, 3, 4]
        let mismatches = withEngineThreads(2) { () -> Int in
            let alone = seeds.map { Self.gradientBits(seed: $0) }
            let found = Mutex(0)
            for _ in 0..<12 {
                DispatchQueue.concurrentPerform(iterations: seeds.count) { i in
                    if Self.gradientBits(seed: seeds[i]) != alone[i] { found.withLock { $0 += 1 } }
                }
            }
            return found.withLock { $0 }
        }
        #expect(mismatches == 0)
    }

    @Test("OpenBLAS runs on one thread whatever the engine's thread count")
    func openBLASStaysOnOneThread() {
        let counts = [2, 3].map { threads in
            withEngineThreads(threads) { () -> Int32 in
                _ = Self.gradientBits(seed: 5)
                return openblas_get_num_threads()
            }
        }
        #expect(counts == [1, 1])
    }
}
