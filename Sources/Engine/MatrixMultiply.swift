import COpenBLAS

/// Matrix products through OpenBLAS `sgemm`, transposes passed as flags (never copied).
///
/// OpenBLAS runs on one thread for the whole process, and the engine shares a large product
/// out over its own pool (``Engine/sharedSGEMM(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``).
/// OpenBLAS's thread count is one setting for the whole process: switching it to one thread
/// around the engine's parallel loops (as the engine once did) lets one caller change it under
/// another's products when the engine is called from several threads, and OpenBLAS's own
/// threads compete with the pool's for the cores. One-thread calls from any number of threads
/// need neither.

extension Engine {
/// `C = alpha · op(A) · op(B) + beta · C` on row-major matrices, on the calling thread.
@inline(__always)
static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
        return
    }
    _ = Engine.openBLASOnOneThread
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
}

/// The same product with the longer of C's two sides cut into one strip per pool thread,
/// each strip a one-thread `sgemm` of its own.
///
/// The cut depends only on the shape and the thread count, never on whether the pool is free:
/// called from inside another parallel job (or while another thread holds the pool) the
/// strips run one after another on the caller, with the same bits. Products under
/// ``sharedProductWork`` multiply-adds run whole, as OpenBLAS itself would.
static func sharedSGEMM(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let pool = Engine.pool
    let cutsRows = m >= n
    let side = cutsRows ? m : n
    // Strips are whole multiples of OpenBLAS's 16-wide register tile but the last.
    let tiles = (side + 15) / 16
    let strips = min(pool.threadCount, tiles)
    guard strips > 1, m * n * k >= sharedProductWork else {
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
              a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    pool.parallelFor(strips) { strip in
        let start = tiles * strip / strips * 16, end = min(side, tiles * (strip + 1) / strips * 16)
        if cutsRows {
            sgemm(transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k, alpha: alpha,
                  a: transposeA ? a + start : a + start * lda, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c + start * ldc, ldc: ldc)
        } else {
            sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k, alpha: alpha,
                  a: a, lda: lda, b: transposeB ? b + start * ldb : b + start, ldb: ldb,
                  beta: beta, c: c + start, ldc: ldc)
        }
    }
}

/// Multiply-adds below which ``sharedSGEMM(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// runs a product whole (OpenBLAS's own threshold for using its threads).
static let sharedProductWork = 1 << 18

/// Sets OpenBLAS to one thread, once, before its first product.
static let openBLASOnOneThread: Void = openblas_set_num_threads(1)
}

@inline(__always)
func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    Engine.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

extension Tensor {
    /// The matrix product `op(self) · op(other)`, where `op` transposes the last two
    /// dimensions when asked.
    ///
    /// - `self` of rank ≥ 2 times a matrix (`other` rank 2): the leading dimensions of `self`
    ///   are rows of one large GEMM (`[..., m, k] · [k, n] → [..., m, n]`), unless
    ///   `transposeSelf`, which needs `self` of rank 2.
    /// - Batched: both of rank ≥ 3 with the same leading (batch) dimensions.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        require(rank >= 2 && other.rank >= 2, "matmul needs matrices, not \(shape) and \(other.shape)")
        if other.rank == 2 && rank > 2 {
            require(!transposeSelf, "matmul: transposeSelf needs equal batch dimensions, got \(shape) and \(other.shape)")
            let rows = count / shape[rank - 1]
            let flat = reshaped([rows, shape[rank - 1]]).matmul(other, transposeOther: transposeOther)
            return flat.reshaped(Array(shape.dropLast()) + [flat.shape[1]])
        }
        require(rank == other.rank && shape.dropLast(2) == other.shape.dropLast(2),
                     "matmul batch dimensions differ: \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[rank - 1] : shape[rank - 2]
        let k = transposeSelf ? shape[rank - 2] : shape[rank - 1]
        let k2 = transposeOther ? other.shape[rank - 1] : other.shape[rank - 2]
        let n = transposeOther ? other.shape[rank - 2] : other.shape[rank - 1]
        require(k == k2, "matmul inner dimensions differ: \(shape)\(transposeSelf ? "ᵀ" : "") · \(other.shape)\(transposeOther ? "ᵀ" : "")")
        let batch = shape.dropLast(2).reduce(1, *)
        let out = Tensor(uninitializedShape: Array(shape.dropLast(2)) + [m, n])
        let a = pointer, b = other.pointer, c = out.pointer
        let lda = shape[rank - 1], ldb = other.shape[rank - 1]
        let strideA = shape[rank - 2] * shape[rank - 1], strideB = other.shape[rank - 2] * other.shape[rank - 1]
        let perProduct = m * n * k
        if batch > 1 && perProduct < 1 << 21 && Engine.threadCount > 1 {
            Engine.parallelChunks(batch, grain: max(1, (1 << 20) / max(perProduct, 1))) { range in
                for i in range {
                    sgemm(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                          a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb, c: c + i * m * n, ldc: n)
                }
            }
        } else {
            for i in 0..<batch {
                Engine.sharedSGEMM(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                                   a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb, c: c + i * m * n, ldc: n)
            }
        }
        let x = detached(), y = other.detached()
        let tA = transposeSelf, tB = transposeOther
        let needsA = needsGradient, needsB = other.needsGradient
        return Tensor.record(out, inputs: [self, other]) { g in
            let gradA: Tensor? = !needsA ? nil
                : (tA ? y.matmul(g, transposeSelf: tB, transposeOther: true)
                      : g.matmul(y, transposeOther: !tB))
            let gradB: Tensor? = !needsB ? nil
                : (tB ? g.matmul(x, transposeSelf: true, transposeOther: tA)
                      : x.matmul(g, transposeSelf: !tA))
            return [gradA, gradB]
        }
    }

    /// A fully connected layer: `self · weightᵀ + bias`, with `self` of shape `[..., in]`,
    /// `weight` of shape `[out, in]` (PyTorch's layout) and `bias` of shape `[out]`.
    /// One GEMM over all leading dimensions; the bias is written first and `sgemm`
    /// accumulates onto it.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        require(weight.rank == 2 && shape.last == weight.shape[1],
                     "linear: input \(shape) does not match weight \(weight.shape)")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        if let bias { require(bias.shape == [outFeatures], "linear: bias \(bias.shape) should be [\(outFeatures)]") }
        let rows = count / max(inFeatures, 1)
        let out = Tensor(uninitializedShape: Array(shape.dropLast()) + [outFeatures])
        let c = out.pointer
        if weight.requiresGrad && !Engine.isRecording {
            // Inference: a parameter's weight is packed once and reused by every call.
            weight.storage.packedWeight(outputFeatures: outFeatures, inputFeatures: inFeatures)
                .multiply(pointer, rows: rows, bias: bias?.pointer, into: c)
            return out
        }
        // A narrow layer over many rows (the lower levels' training batches): the weight is
        // packed for this call, which costs one read of it, and the register-tile kernel
        // beats `sgemm` there (see `PackedWeight.suitsProduct`).
        let packs = PackedWeight.suitsProduct(rows: rows, inputFeatures: inFeatures, outputFeatures: outFeatures)
        if packs {
            PackedWeight(weight).multiply(pointer, rows: rows, bias: bias?.pointer, into: c)
        } else {
            if let bias {
                let b = bias.pointer
                Engine.parallelChunks(rows, grain: max(1, Engine.elementwiseGrain / max(outFeatures, 1))) { range in
                    for row in range { (c + row * outFeatures).update(from: b, count: outFeatures) }
                }
            }
            Engine.sharedSGEMM(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                               a: pointer, lda: inFeatures, b: weight.pointer, ldb: inFeatures,
                               beta: bias == nil ? 0 : 1, c: c, ldc: outFeatures)
        }
        let x = detached(), w = weight.detached()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let xNeeds = needsGradient, wNeeds = weight.needsGradient, bNeeds = bias?.needsGradient ?? false
        return Tensor.record(out, inputs: inputs) { g in
            let g2 = g.reshaped([rows, outFeatures])
            var grads: [Tensor?] = []
            if xNeeds {
                let dx = Tensor(uninitializedShape: x.shape)
                if packs {
                    // dx = g · weight: the same kernel with the weight's transpose packed.
                    PackedWeight(transposing: w.pointer, rows: outFeatures, columns: inFeatures)
                        .multiply(g2.pointer, rows: rows, bias: nil, into: dx.pointer)
                } else {
                    Engine.sharedSGEMM(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                                       a: g2.pointer, lda: outFeatures, b: w.pointer, ldb: inFeatures, c: dx.pointer, ldc: inFeatures)
                }
                grads.append(dx)
            } else {
                grads.append(nil)
            }
            if wNeeds {
                let dw = Tensor(uninitializedShape: w.shape)
                Engine.sharedSGEMM(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                                   a: g2.pointer, lda: outFeatures, b: x.pointer, ldb: inFeatures, c: dw.pointer, ldc: inFeatures)
                grads.append(dw)
            } else {
                grads.append(nil)
            }
            if inputs.count == 3 {
                grads.append(bNeeds ? g2.reduceSum(axes: [0]).reshaped([outFeatures]) : nil)
            }
            return grads
        }
    }
}
