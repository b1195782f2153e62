/// Fused multi-head scaled dot-product attention (scores, mask, softmax and weighted sum in
/// one kernel per (sequence, head)), with its backward.

/// Where the query, key, value and output rows of one attention call live. Heads are
/// consecutive column blocks of width `headDimension` within each row (PyTorch's
/// `[batch, length, heads · headDimension]` layout before the head split), so no permute
/// is ever needed.
struct AttentionLayout {
    struct Operand {
        let base: UnsafeMutablePointer<Float>
        let batchStride: Int
        let rowStride: Int

        @inline(__always) func head(_ b: Int, _ h: Int, _ width: Int) -> UnsafeMutablePointer<Float> {
            base + b * batchStride + h * width
        }
    }

    let batch: Int, heads: Int, headDimension: Int, queryLength: Int, keyLength: Int
    let query: Operand, key: Operand, value: Operand, output: Operand
    let causal: Bool
    /// `batch × keyLength` flags, true where the key is padding (ignored).
    let keyPadding: [Bool]?
    /// Dropout on the attention weights: probability, and the random stream's seed and
    /// first draw (draw `first + ((b·heads + h)·queryLength + i)·keyLength + j` decides
    /// weight (i, j) of sequence b, head h).
    var dropout: (probability: Float, seed: UInt64, first: UInt64)? = nil
    var scale: Float { 1 / Float(headDimension).squareRoot() }

    /// Sequences this short are handled with SIMD loops in L1 instead of `sgemm`.
    var usesSmallKernel: Bool { queryLength * keyLength * headDimension <= 48 * 48 * 64 }

    /// The number of keys query `i` may see before padding (causal attention aligns the
    /// queries with the last `queryLength` keys).
    @inline(__always) func visibleKeys(_ i: Int) -> Int {
        causal ? max(0, min(keyLength, keyLength - queryLength + i + 1)) : keyLength
    }
}

extension AttentionLayout {
    /// Computes the output; when `probabilities` is given, stores the attention weights
    /// there as `[batch, heads, queryLength, keyLength]` for the backward.
    func forward(probabilities: UnsafeMutablePointer<Float>?) {
        let units = batch * heads
        let scores = queryLength * keyLength
        let work = scores * headDimension * 4
        Engine.parallelChunks(units, grain: max(1, 65_536 / max(work, 1))) { range in
            let scratch = Storage(count: 2 * scores + transposeScratch)
            for unit in range {
                let p = probabilities.map { $0 + unit * scores } ?? scratch.pointer
                forwardUnit(b: unit / heads, h: unit % heads, p: p, dropped: scratch.pointer + scores,
                            transposed: scratch.pointer + 2 * scores)
            }
            withExtendedLifetime(scratch) {}
        }
    }

    /// Writes `source ⊙ mask / (1 − p)` for the dropout mask of (b, h) into `target`.
    @inline(__always)
    private func applyDropout(unit: Int, _ source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
        guard let dropout else { return }
        let scores = queryLength * keyLength
        let base = dropout.first &+ UInt64(unit * scores)
        let keep = 1 / (1 - dropout.probability)
        for e in 0..<scores {
            let u = Engine.RandomGenerator.unitFloat(Engine.RandomGenerator.bits(seed: dropout.seed, index: base &+ UInt64(e)))
            target[e] = u < dropout.probability ? 0 : source[e] * keep
        }
    }

    /// Floats of scratch the small kernels need to transpose one operand.
    var transposeScratch: Int { usesSmallKernel ? headDimension * ((max(queryLength, keyLength) + 7) & ~7) : 0 }

    private func forwardUnit(b: Int, h: Int, p: UnsafeMutablePointer<Float>, dropped: UnsafeMutablePointer<Float>,
                             transposed: UnsafeMutablePointer<Float>) {
        let d = headDimension
        let q = query.head(b, h, d), k = key.head(b, h, d), v = value.head(b, h, d), o = output.head(b, h, d)
        if usesSmallKernel {
            smallProductTransposed(q, query.rowStride, k, key.rowStride, m: queryLength, n: keyLength, d: d,
                                   alpha: scale, p, keyLength, scratch: transposed)
        } else {
            sgemm(transposeA: false, transposeB: true, m: queryLength, n: keyLength, k: d, alpha: scale,
                  a: q, lda: query.rowStride, b: k, ldb: key.rowStride, c: p, ldc: keyLength)
        }
        for i in 0..<queryLength {
            let row = p + i * keyLength
            let visible = visibleKeys(i)
            for j in visible..<keyLength { row[j] = -.infinity }
            if let keyPadding {
                for j in 0..<visible where keyPadding[b * keyLength + j] { row[j] = -.infinity }
            }
            softmaxRow(row, row, keyLength)
        }
        // The weights that multiply the values: p itself, or p with dropout applied.
        let weights = dropout == nil ? p : dropped
        applyDropout(unit: b * heads + h, p, dropped)
        if usesSmallKernel {
            smallWeightedRows(weights, wRow: keyLength, wColumn: 1, v, value.rowStride,
                              m: queryLength, n: keyLength, d: d, alpha: 1, o, output.rowStride)
        } else {
            sgemm(transposeA: false, transposeB: false, m: queryLength, n: d, k: keyLength,
                  a: weights, lda: keyLength, b: v, ldb: value.rowStride, c: o, ldc: output.rowStride)
        }
    }

    /// Given the output gradient (laid out like `output` in `gradientOutput`) and the
    /// saved probabilities, writes the query, key and value gradients (laid out like
    /// `gradient*`). Each (sequence, head) writes only its own rows and columns.
    func backward(probabilities: UnsafeMutablePointer<Float>, gradientOutput: Operand,
                  gradientQuery: Operand, gradientKey: Operand, gradientValue: Operand) {
        let units = batch * heads
        let scores = queryLength * keyLength
        let work = scores * headDimension * 8
        Engine.parallelChunks(units, grain: max(1, 65_536 / max(work, 1))) { range in
            let scratch = Storage(count: 2 * scores + transposeScratch)
            for unit in range {
                backwardUnit(b: unit / heads, h: unit % heads, p: probabilities + unit * scores, dp: scratch.pointer,
                             dropped: scratch.pointer + scores, transposed: scratch.pointer + 2 * scores,
                             go: gradientOutput, gq: gradientQuery, gk: gradientKey, gv: gradientValue)
            }
            withExtendedLifetime(scratch) {}
        }
    }

    private func backwardUnit(b: Int, h: Int, p: UnsafeMutablePointer<Float>, dp: UnsafeMutablePointer<Float>,
                              dropped: UnsafeMutablePointer<Float>, transposed: UnsafeMutablePointer<Float>, go: Operand, gq: Operand, gk: Operand, gv: Operand) {
        let d = headDimension
        let q = query.head(b, h, d), k = key.head(b, h, d), v = value.head(b, h, d)
        let dO = go.head(b, h, d), dQ = gq.head(b, h, d), dK = gk.head(b, h, d), dV = gv.head(b, h, d)
        let unit = b * heads + h
        let weights = dropout == nil ? p : dropped
        applyDropout(unit: unit, p, dropped)
        if usesSmallKernel {
            // dV = P'ᵀ dO and dP' = dO Vᵀ (P' = P with dropout applied, if any)
            smallWeightedRows(weights, wRow: 1, wColumn: keyLength, dO, go.rowStride,
                              m: keyLength, n: queryLength, d: d, alpha: 1, dV, gv.rowStride)
            smallProductTransposed(dO, go.rowStride, v, value.rowStride, m: queryLength, n: keyLength, d: d,
                                   alpha: 1, dp, keyLength, scratch: transposed)
        } else {
            sgemm(transposeA: true, transposeB: false, m: keyLength, n: d, k: queryLength,
                  a: weights, lda: keyLength, b: dO, ldb: go.rowStride, c: dV, ldc: gv.rowStride)
            sgemm(transposeA: false, transposeB: true, m: queryLength, n: keyLength, k: d,
                  a: dO, lda: go.rowStride, b: v, ldb: value.rowStride, c: dp, ldc: keyLength)
        }
        // Through dropout: dP = dP' ⊙ mask / (1 − p).
        applyDropout(unit: unit, dp, dp)
        // dS = P ⊙ (dP − Σⱼ P ⊙ dP), in place in dp; hidden keys have P = 0 and get dS = 0.
        for i in 0..<queryLength {
            let visible = visibleKeys(i)
            let pi = p + i * keyLength, di = dp + i * keyLength
            let rowDot = dotContiguous(pi, di, visible)
            for j in 0..<visible { di[j] = pi[j] * (di[j] - rowDot) }
            for j in visible..<keyLength { di[j] = 0 }
        }
        if usesSmallKernel {
            // dQ = scale · dS K and dK = scale · dSᵀ Q
            smallWeightedRows(dp, wRow: keyLength, wColumn: 1, k, key.rowStride,
                              m: queryLength, n: keyLength, d: d, alpha: scale, dQ, gq.rowStride)
            smallWeightedRows(dp, wRow: 1, wColumn: keyLength, q, query.rowStride,
                              m: keyLength, n: queryLength, d: d, alpha: scale, dK, gk.rowStride)
        } else {
            sgemm(transposeA: false, transposeB: false, m: queryLength, n: d, k: keyLength, alpha: scale,
                  a: dp, lda: keyLength, b: k, ldb: key.rowStride, c: dQ, ldc: gq.rowStride)
            sgemm(transposeA: true, transposeB: false, m: keyLength, n: d, k: queryLength, alpha: scale,
                  a: dp, lda: keyLength, b: q, ldb: query.rowStride, c: dK, ldc: gk.rowStride)
        }
    }
}

/// Reserves the draws of an attention dropout mask (nil when there is no dropout).
private func dropoutStream(_ probability: Float?, _ generator: UnsafeMutablePointer<Engine.RandomGenerator>?,
                           draws: Int) -> (probability: Float, seed: UInt64, first: UInt64)? {
    guard let probability, let generator, probability > 0 else { return nil }
    require(probability < 1, "attention dropout \(probability) must be in [0, 1)")
    return (probability, generator.pointee.seed, generator.pointee.reserve(draws))
}

extension Tensor {
    /// Multi-head scaled dot-product attention, `softmax(Q Kᵀ / √d + mask) V` per head.
    ///
    /// - Parameters:
    ///   - query: `[batch, queryLength, heads · d]`.
    ///   - key, value: `[batch, keyLength, heads · d]`.
    ///   - heads: the number of heads; head `h` uses columns `h·d ..< (h+1)·d`.
    ///   - causal: query `i` sees keys up to `keyLength − queryLength + i` (the usual mask
    ///     when queries and keys are the same sequence).
    ///   - keyPaddingMask: `batch × keyLength` flags, `true` where the key is padding and
    ///     must be ignored (PyTorch's convention).
    /// - Returns: `[batch, queryLength, heads · d]`. A query that sees no key gets zeros.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                 causal: Bool = false, keyPaddingMask: [Bool]? = nil) -> Tensor {
        fusedAttention(query: query, key: key, value: value, heads: heads, causal: causal,
                       keyPaddingMask: keyPaddingMask, dropout: nil, generator: nil)
    }

    /// ``attention(query:key:value:heads:causal:keyPaddingMask:)`` with dropout on the
    /// attention weights (training): each weight is zeroed with probability `dropout` and
    /// the survivors scaled by `1 / (1 − dropout)`, fused into the kernel. The mask uses
    /// `batch · heads · queryLength · keyLength` draws of `generator`, in that row-major
    /// order; weight (b, h, i, j) is kept when its draw's uniform (top 24 bits / 2²⁴) is at
    /// least `dropout`.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                 causal: Bool = false, keyPaddingMask: [Bool]? = nil,
                                 dropout: Float, generator: inout Engine.RandomGenerator) -> Tensor {
        fusedAttention(query: query, key: key, value: value, heads: heads, causal: causal,
                       keyPaddingMask: keyPaddingMask, dropout: dropout, generator: &generator)
    }

    private static func fusedAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int, causal: Bool,
                                       keyPaddingMask: [Bool]?, dropout: Float?,
                                       generator: UnsafeMutablePointer<Engine.RandomGenerator>?) -> Tensor {
        require(query.rank == 3 && key.rank == 3 && value.rank == 3, "attention needs [batch, length, width] tensors")
        require(key.shape == value.shape, "attention: key \(key.shape) and value \(value.shape) differ")
        let (batch, queryLength, width) = (query.shape[0], query.shape[1], query.shape[2])
        require(key.shape[0] == batch && key.shape[2] == width, "attention: query \(query.shape) and key \(key.shape) do not match")
        require(heads > 0 && width % heads == 0, "attention: width \(width) is not divisible by \(heads) heads")
        let keyLength = key.shape[1]
        if let keyPaddingMask { require(keyPaddingMask.count == batch * keyLength, "attention: key padding mask needs \(batch * keyLength) flags") }
        let out = Tensor(uninitializedShape: [batch, queryLength, width])
        func operand(_ t: Tensor) -> AttentionLayout.Operand { .init(base: t.pointer, batchStride: t.shape[1] * width, rowStride: width) }
        var layout = AttentionLayout(batch: batch, heads: heads, headDimension: width / heads,
                                     queryLength: queryLength, keyLength: keyLength,
                                     query: operand(query), key: operand(key), value: operand(value), output: operand(out),
                                     causal: causal, keyPadding: keyPaddingMask)
        layout.dropout = dropoutStream(dropout, generator, draws: batch * heads * queryLength * keyLength)
        let recording = Engine.isRecording && (query.needsGradient || key.needsGradient || value.needsGradient)
        let probabilities = recording ? Tensor(uninitializedShape: [batch, heads, queryLength, keyLength]) : nil
        layout.forward(probabilities: probabilities?.pointer)
        guard let probabilities else { return out }
        let saved = [query.detached(), key.detached(), value.detached()]
        return record(out, inputs: [query, key, value]) { g in
            let grads = saved.map { Tensor(uninitializedShape: $0.shape) }
            layout.backward(probabilities: probabilities.pointer, gradientOutput: operand(g),
                            gradientQuery: operand(grads[0]), gradientKey: operand(grads[1]), gradientValue: operand(grads[2]))
            withExtendedLifetime(saved) {}
            return grads
        }
    }

    /// Self-attention on a packed projection: `packedQKV` is `[batch, length, 3 · width]`
    /// holding queries, keys and values side by side (the output of one `linear` with
    /// `3 · width` outputs). Same semantics as ``attention(query:key:value:heads:causal:keyPaddingMask:)``,
    /// without splitting the projection into three copies.
    public static func attention(packedQKV: Tensor, heads: Int, causal: Bool = false, keyPaddingMask: [Bool]? = nil) -> Tensor {
        fusedAttention(packedQKV: packedQKV, heads: heads, causal: causal, keyPaddingMask: keyPaddingMask,
                       dropout: nil, generator: nil)
    }

    /// ``attention(packedQKV:heads:causal:keyPaddingMask:)`` with dropout on the attention
    /// weights, drawn as in ``attention(query:key:value:heads:causal:keyPaddingMask:dropout:generator:)``.
    public static func attention(packedQKV: Tensor, heads: Int, causal: Bool = false, keyPaddingMask: [Bool]? = nil,
                                 dropout: Float, generator: inout Engine.RandomGenerator) -> Tensor {
        fusedAttention(packedQKV: packedQKV, heads: heads, causal: causal, keyPaddingMask: keyPaddingMask,
                       dropout: dropout, generator: &generator)
    }

    private static func fusedAttention(packedQKV: Tensor, heads: Int, causal: Bool, keyPaddingMask: [Bool]?,
                                       dropout: Float?, generator: UnsafeMutablePointer<Engine.RandomGenerator>?) -> Tensor {
        require(packedQKV.rank == 3 && packedQKV.shape[2] % 3 == 0, "attention: packed projection \(packedQKV.shape) should be [batch, length, 3·width]")
        let (batch, length, width) = (packedQKV.shape[0], packedQKV.shape[1], packedQKV.shape[2] / 3)
        require(heads > 0 && width % heads == 0, "attention: width \(width) is not divisible by \(heads) heads")
        if let keyPaddingMask { require(keyPaddingMask.count == batch * length, "attention: key padding mask needs \(batch * length) flags") }
        let out = Tensor(uninitializedShape: [batch, length, width])
        func packed(_ t: Tensor, _ part: Int) -> AttentionLayout.Operand {
            .init(base: t.pointer + part * width, batchStride: length * 3 * width, rowStride: 3 * width)
        }
        var layout = AttentionLayout(batch: batch, heads: heads, headDimension: width / heads,
                                     queryLength: length, keyLength: length,
                                     query: packed(packedQKV, 0), key: packed(packedQKV, 1), value: packed(packedQKV, 2),
                                     output: .init(base: out.pointer, batchStride: length * width, rowStride: width),
                                     causal: causal, keyPadding: keyPaddingMask)
        layout.dropout = dropoutStream(dropout, generator, draws: batch * heads * length * length)
        let recording = Engine.isRecording && packedQKV.needsGradient
        let probabilities = recording ? Tensor(uninitializedShape: [batch, heads, length, length]) : nil
        layout.forward(probabilities: probabilities?.pointer)
        guard let probabilities else { return out }
        let saved = packedQKV.detached()
        return record(out, inputs: [packedQKV]) { g in
            let grad = Tensor(uninitializedShape: saved.shape)
            layout.backward(probabilities: probabilities.pointer,
                            gradientOutput: .init(base: g.pointer, batchStride: length * width, rowStride: width),
                            gradientQuery: packed(grad, 0), gradientKey: packed(grad, 1), gradientValue: packed(grad, 2))
            withExtendedLifetime(saved) {}
            return [grad]
        }
    }
}
