import Engine
import Testing

@Suite struct AutogradTests {
    @Test func nothingIsRecordedOutsideAGradientScope() {
        let w = randomTensor([3, 3], seed: 60)
        #expect(!Engine.isRecording)
        let y = w.matmul(w).sum()
        #expect(!y.needsGradient)
        y.backward()
        #expect(w.grad == nil)
        let inside = Engine.withGradients { (Engine.isRecording, w.matmul(w).sum()) }
        #expect(inside.0 && inside.1.needsGradient)
        let suspended = Engine.withGradients { Engine.withoutGradients { w.matmul(w).sum() } }
        #expect(!suspended.needsGradient)
        let constants = Engine.withGradients { (randomTensor([2], seed: 61, requiresGrad: false) * 2).sum() }
        #expect(!constants.needsGradient)
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let w = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        let loss = Engine.withGradients { (w * w).sum() }
        loss.backward()
        #expect(w.grad?.scalars == [2, 4])
        loss.backward()
        #expect(w.grad?.scalars == [4, 8])
        let second = Engine.withGradients { (w * 3).sum() }
        second.backward()
        #expect(w.grad?.scalars == [7, 11])
        w.zeroGradient()
        #expect(w.grad == nil)
    }

    @Test func sharedSubexpressionsSumTheirGradients() {
        let x = Tensor(shape: [1], scalars: [3], requiresGrad: true)
        let loss = Engine.withGradients { () -> Tensor in
            let y = x * x          // 9, dy/dx = 6
            return (y * y + y).sum()   // d/dx = 2y·6 + 6 = 114
        }
        loss.backward()
        #expect(x.grad?.scalars == [114])
    }

    @Test func buffersAreReused() {
        BufferPool.drain()
        let x = randomTensor([64, 128], seed: 62, requiresGrad: false)
        func step() { _ = x.matmul(x, transposeOther: true).softmax().sum().item }
        step()
        let before = BufferPool.statistics
        for _ in 0..<5 { step() }
        let after = BufferPool.statistics
        #expect(after.reused > before.reused)
        // With no room in the pool, released buffers are freed instead of kept.
        let limit = BufferPool.retainedLimitBytes
        defer { BufferPool.retainedLimitBytes = limit }
        BufferPool.retainedLimitBytes = 0
        BufferPool.drain()
        step()
        #expect(BufferPool.statistics.retainedBytes == 0)
    }

    @Test func randomStreamsAreReproducibleAndIndependent() {
        var a = Engine.RandomGenerator(seed: 1), b = Engine.RandomGenerator(seed: 1), c = Engine.RandomGenerator(seed: 2)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
        let s1 = a.stream(7), s2 = a.stream(8)
        #expect(s1.seed != s2.seed && s1.seed == b.stream(7).seed)
        var n = Engine.RandomGenerator(seed: 3)
        let samples = (0..<20_000).map { _ in Double(n.normal()) }
        let mean = samples.reduce(0, +) / 20_000
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
        var u = Engine.RandomGenerator(seed: 4)
        let t = Tensor.randomUniform([10_000], in: -1..<1, generator: &u).scalars
        #expect(t.allSatisfy { $0 >= -1 && $0 < 1 })
        var u2 = Engine.RandomGenerator(seed: 4)
        let serial = (0..<10_000).map { _ in u2.uniform(in: -1..<1) }
        #expect(serial == t)
    }
}
