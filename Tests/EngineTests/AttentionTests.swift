import Engine
import Testing

/// Multi-head attention computed in Double with plain loops, as the reference.
func referenceAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool, padding: [Bool]?) -> [Double] {
    let (batch, lq, width) = (query.shape[0], query.shape[1], query.shape[2])
    let lk = key.shape[1], d = width / heads
    let q = query.scalars.map(Double.init), k = key.scalars.map(Double.init), v = value.scalars.map(Double.init)
    var out = Array(repeating: 0.0, count: batch * lq * width)
    for b in 0..<batch {
        for h in 0..<heads {
            for i in 0..<lq {
                var scores: [Double] = []
                for j in 0..<lk {
                    var s = 0.0
                    for c in 0..<d { s += q[(b * lq + i) * width + h * d + c] * k[(b * lk + j) * width + h * d + c] }
                    let hidden = (causal && j > lk - lq + i) || (padding?[b * lk + j] ?? false)
                    scores.append(hidden ? -.infinity : s / Double(d).squareRoot())
                }
                let m = scores.max()!
                if m == -.infinity { continue }
                let e = scores.map { $0 == -.infinity ? 0 : Foundation_exp($0 - m) }
                let total = e.reduce(0, +)
                for j in 0..<lk where e[j] > 0 {
                    for c in 0..<d { out[(b * lq + i) * width + h * d + c] += e[j] / total * v[(b * lk + j) * width + h * d + c] }
                }
            }
        }
    }
    return out
}

import Foundation
private func Foundation_exp(_ x: Double) -> Double { exp(x) }

@Suite struct AttentionTests {
    func expectClose(_ a: [Float], _ b: [Double], _ tolerance: Double = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < tolerance, "largest difference \(worst)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [(5, 5, false), (6, 6, true), (3, 7, true), (7, 3, true), (60, 60, true), (50, 64, false)])
    func matchesReference(lq: Int, lk: Int, causal: Bool) {
        // 60×60 and 50×64 with head width 64 take the sgemm path; the others the small kernel.
        let heads = 2, width = lq > 10 ? 128 : 8
        let q = randomTensor([2, lq, width], seed: 40), k = randomTensor([2, lk, width], seed: 41), v = randomTensor([2, lk, width], seed: 42)
        var padding = Array(repeating: false, count: 2 * lk)
        padding[1] = true
        padding[lk + lk - 1] = true
        for mask in [nil, padding] {
            let out = Tensor.attention(query: q, key: k, value: v, heads: heads, causal: causal, keyPaddingMask: mask)
            expectClose(out.scalars, referenceAttention(query: q, key: k, value: v, heads: heads, causal: causal, padding: mask))
        }
    }

    @Test(arguments: [(4, 6, 2), (50, 50, 64)])
    func dropoutOnWeightsMatchesReferenceAndGradients(lq: Int, lk: Int, headWidth: Int) {
        let heads = 2, width = heads * headWidth, batch = lq > 10 ? 1 : 2
        let scale: Float = lq > 10 ? 0.5 : 1
        let q = randomTensor([batch, lq, width], seed: 55, scale: scale)
        let k = randomTensor([batch, lk, width], seed: 56, scale: scale)
        let v = randomTensor([batch, lk, width], seed: 57)
        var generator = Engine.RandomGenerator(seed: 9)
        var copy = generator
        let out = Tensor.attention(query: q, key: k, value: v, heads: heads, dropout: 0.3, generator: &generator).scalars
        #expect(generator.counter == UInt64(batch * heads * lq * lk))
        // Reference: the same weights, zeroed where the draw's uniform is below 0.3.
        let keep = (0..<(batch * heads * lq * lk)).map { _ in Float(copy.next() >> 40) * 0x1p-24 >= 0.3 }
        let qs = q.scalars, ks = k.scalars, vs = v.scalars
        var worst = 0.0
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<lq {
                    var scores = (0..<lk).map { j in
                        (0..<headWidth).reduce(0.0) { $0 + Double(qs[(b * lq + i) * width + h * headWidth + $1]) * Double(ks[(b * lk + j) * width + h * headWidth + $1]) } / Double(headWidth).squareRoot()
                    }
                    let m = scores.max()!
                    scores = scores.map { Foundation.exp($0 - m) }
                    let total = scores.reduce(0, +)
                    for c in 0..<headWidth {
                        var expected = 0.0
                        for j in 0..<lk where keep[((b * heads + h) * lq + i) * lk + j] {
                            expected += scores[j] / total / 0.7 * Double(vs[(b * lk + j) * width + h * headWidth + c])
                        }
                        worst = max(worst, abs(expected - Double(out[(b * lq + i) * width + h * headWidth + c])))
                    }
                }
            }
        }
        #expect(worst < 1e-4)
        checkGradients([q, k, v], elementStride: lq > 10 ? 97 : 1) { t in
            var g = Engine.RandomGenerator(seed: 10)
            return Tensor.attention(query: t[0], key: t[1], value: t[2], heads: heads, causal: true, dropout: 0.3, generator: &g)
        }
        var unused = Engine.RandomGenerator(seed: 11)
        let none = Tensor.attention(query: q, key: k, value: v, heads: heads, dropout: 0, generator: &unused)
        #expect(none.scalars == Tensor.attention(query: q, key: k, value: v, heads: heads).scalars)
        if lq == lk {
            let qkv = Tensor.concatenate([q, k, v], alongAxis: 2)
            var g1 = Engine.RandomGenerator(seed: 12), g2 = Engine.RandomGenerator(seed: 12)
            let packed = Tensor.attention(packedQKV: qkv, heads: heads, dropout: 0.3, generator: &g1)
            let separate = Tensor.attention(query: q, key: k, value: v, heads: heads, dropout: 0.3, generator: &g2)
            #expect(packed.scalars == separate.scalars)
        }
    }

    @Test func fullyMaskedQueryGivesZeros() {
        let q = randomTensor([1, 2, 4], seed: 43), k = randomTensor([1, 3, 4], seed: 44)
        let out = Tensor.attention(query: q, key: k, value: k, heads: 1, keyPaddingMask: [true, true, true])
        #expect(out.scalars.allSatisfy { $0 == 0 })
    }

    @Test func smallKernelGradients() {
        let q = randomTensor([2, 4, 6], seed: 45), k = randomTensor([2, 5, 6], seed: 46), v = randomTensor([2, 5, 6], seed: 47)
        checkGradients([q, k, v]) { t in Tensor.attention(query: t[0], key: t[1], value: t[2], heads: 2) }
        checkGradients([q, k, v]) { t in
            Tensor.attention(query: t[0], key: t[1], value: t[2], heads: 3, causal: true,
                             keyPaddingMask: [false, true, false, false, false, false, false, false, false, true])
        }
    }

    @Test func sgemmPathGradients() {
        let q = randomTensor([1, 50, 64], seed: 48, scale: 0.5)
        let k = randomTensor([1, 50, 64], seed: 49, scale: 0.5)
        let v = randomTensor([1, 50, 64], seed: 50)
        checkGradients([q, k, v], elementStride: 23) { t in
            Tensor.attention(query: t[0], key: t[1], value: t[2], heads: 1, causal: true)
        }
    }

    @Test func packedProjectionMatchesSeparateInputs() {
        let qkv = randomTensor([2, 5, 12], seed: 51)
        let q = qkv.sliced(alongAxis: 2, 0..<4), k = qkv.sliced(alongAxis: 2, 4..<8), v = qkv.sliced(alongAxis: 2, 8..<12)
        let separate = Tensor.attention(query: q, key: k, value: v, heads: 2, causal: true)
        let packed = Tensor.attention(packedQKV: qkv, heads: 2, causal: true)
        #expect(separate.scalars == packed.scalars)
        checkGradients([qkv]) { t in Tensor.attention(packedQKV: t[0], heads: 2, causal: true, keyPaddingMask: Array(repeating: false, count: 9) + [true]) }
    }

    @Test(arguments: [4, 80])
    func kvCacheMatchesFullCausalAttention(length: Int) {
        let width = 16, heads = 2
        let q = randomTensor([3, length, width], seed: 52, requiresGrad: false)
        let k = randomTensor([3, length, width], seed: 53, requiresGrad: false)
        let v = randomTensor([3, length, width], seed: 54, requiresGrad: false)
        let full = Tensor.attention(query: q, key: k, value: v, heads: heads, causal: true).scalars
        let cache = KVCache(batch: 3, heads: heads, width: width, capacity: length)
        var steps: [Tensor] = []
        for t in 0..<length {
            cache.append(key: k.sliced(alongAxis: 1, t..<(t + 1)), value: v.sliced(alongAxis: 1, t..<(t + 1)))
            steps.append(cache.attend(query: q.sliced(alongAxis: 1, t..<(t + 1))))
        }
        #expect(cache.length == length)
        let incremental = Tensor.concatenate(steps, alongAxis: 1).scalars
        let worst = zip(full, incremental).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5)
        cache.reset()
        #expect(cache.length == 0)
    }
}
