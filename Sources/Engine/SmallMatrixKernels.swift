/// Register-blocked products for the small matrices of attention over short sequences,
/// where one `sgemm` call per (sequence, head) would cost more in overhead than in work.

/// `c[i·cStride + j] = alpha · ⟨a_i, b_j⟩` for `i < m`, `j < n`, with rows of width `d`.
/// `scratch` must hold `d · roundUp(n, 8)` floats (b is transposed into it so that each
/// output row is built from broadcast-times-vector FMAs, without horizontal sums).
@inline(__always)
func smallProductTransposed(_ a: UnsafeMutablePointer<Float>, _ aStride: Int,
                            _ b: UnsafeMutablePointer<Float>, _ bStride: Int,
                            m: Int, n: Int, d: Int, alpha: Float,
                            _ c: UnsafeMutablePointer<Float>, _ cStride: Int,
                            scratch bt: UnsafeMutablePointer<Float>) {
    let padded = (n + 7) & ~7
    for k in 0..<d {
        let row = bt + k * padded
        for j in 0..<n { row[j] = b[j * bStride + k] }
        for j in n..<padded { row[j] = 0 }
    }
    var start = 0
    while start < padded {
        let vectors = min(3, (padded - start) / 8)
        for i in 0..<m {
            let ai = a + i * aStride
            var acc0 = Vec(), acc1 = Vec(), acc2 = Vec()
            var column = bt + start
            for k in 0..<d {
                let s = Vec(repeating: ai[k])
                acc0 = acc0.addingProduct(s, load(column))
                if vectors > 1 { acc1 = acc1.addingProduct(s, load(column + 8)) }
                if vectors > 2 { acc2 = acc2.addingProduct(s, load(column + 16)) }
                column += padded
            }
            let ci = c + i * cStride + start
            let width = min(n - start, 8 * vectors)
            if width == 8 * vectors {
                store(acc0 * alpha, ci)
                if vectors > 1 { store(acc1 * alpha, ci + 8) }
                if vectors > 2 { store(acc2 * alpha, ci + 16) }
            } else {
                for j in 0..<width {
                    let v = j < 8 ? acc0[j] : (j < 16 ? acc1[j - 8] : acc2[j - 16])
                    ci[j] = v * alpha
                }
            }
        }
        start += 8 * vectors
    }
}

/// `o_i = alpha · Σ_j w(i, j) · v_j` for `i < m`, `j < n`, rows of width `d`, where
/// `w(i, j) = w[i·wRow + j·wColumn]` (so a transposed weight matrix is just other strides).
/// Zero weights (masked keys) are skipped.
@inline(__always)
func smallWeightedRows(_ w: UnsafeMutablePointer<Float>, wRow: Int, wColumn: Int,
                       _ v: UnsafeMutablePointer<Float>, _ vStride: Int,
                       m: Int, n: Int, d: Int, alpha: Float,
                       _ o: UnsafeMutablePointer<Float>, _ oStride: Int) {
    for i in 0..<m {
        let oi = o + i * oStride
        var start = 0
        while start + 32 <= d {
            var acc0 = Vec(), acc1 = Vec(), acc2 = Vec(), acc3 = Vec()
            for j in 0..<n {
                let weight = w[i * wRow + j * wColumn]
                if weight == 0 { continue }
                let s = Vec(repeating: weight)
                let vj = v + j * vStride + start
                acc0 = acc0.addingProduct(s, load(vj))
                acc1 = acc1.addingProduct(s, load(vj + 8))
                acc2 = acc2.addingProduct(s, load(vj + 16))
                acc3 = acc3.addingProduct(s, load(vj + 24))
            }
            store(acc0 * alpha, oi + start)
            store(acc1 * alpha, oi + start + 8)
            store(acc2 * alpha, oi + start + 16)
            store(acc3 * alpha, oi + start + 24)
            start += 32
        }
        while start + 8 <= d {
            var acc = Vec()
            for j in 0..<n {
                let weight = w[i * wRow + j * wColumn]
                if weight != 0 { acc = acc.addingProduct(Vec(repeating: weight), load(v + j * vStride + start)) }
            }
            store(acc * alpha, oi + start)
            start += 8
        }
        while start < d {
            var total: Float = 0
            for j in 0..<n { total += w[i * wRow + j * wColumn] * v[j * vStride + start] }
            oi[start] = total * alpha
            start += 1
        }
    }
}
