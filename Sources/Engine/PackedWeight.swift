import Synchronization

/// A weight matrix `[out, in]` (PyTorch's layout) rearranged for the products
/// `x · weightᵀ + bias`.
///
/// `sgemm` rearranges ("packs") its operands into cache-sized panels on every call. When `x`
/// has few rows — a sampler's short sequences, a few patches at a time — packing the weight
/// costs about as much as the product itself, so inference packs a weight that does not change
/// between calls once. A narrow layer over a training batch is packed for each call: there
/// `sgemm` packs the many rows of `x` as well, which this kernel reads where they lie.
///
/// The weight goes into panels of ``panelWidth`` output features laid out `[in][panelWidth]`,
/// so that the kernel reads each panel front to back and builds a tile of outputs from
/// broadcast-times-vector fused multiply-adds. The last panel is padded with zeros.
final class PackedWeight: @unchecked Sendable {
    // @unchecked Sendable: the panels are written once in `init` and only read afterwards.

    /// Output features per panel: two 8-lane vectors.
    static let panelWidth = 16
    /// Rows of `x` per tile: 6 rows × 2 vectors = 12 accumulators, which with the two panel
    /// vectors and one broadcast fit AVX2's 16 vector registers.
    static let tileRows = 6
    /// Rows of `x` per block when there are many: 48 rows of up to 512 floats (96 KB) stay in
    /// L2 while every panel passes over them.
    static let rowBlock = 48

    /// The number of input features (the weight's columns).
    let inputFeatures: Int
    /// The number of output features (the weight's rows).
    let outputFeatures: Int
    let panelCount: Int
    let panels: UnsafeMutablePointer<Float>

    /// Zeroed panels for a `[outputFeatures, inputFeatures]` weight, each filled by
    /// `fill(panel, start of the panel)`.
    private init(outputFeatures: Int, inputFeatures: Int,
                 fillingPanels fill: (_ panel: Int, _ base: UnsafeMutablePointer<Float>) -> Void) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        panelCount = (outputFeatures + Self.panelWidth - 1) / Self.panelWidth
        let count = max(1, panelCount * inputFeatures * Self.panelWidth)
        panels = .allocate(capacity: count)
        panels.initialize(repeating: 0, count: count)
        for panel in 0..<panelCount { fill(panel, panels + panel * inputFeatures * Self.panelWidth) }
    }

    /// Packs `weight` (`[outputFeatures, inputFeatures]`, row-major).
    convenience init(weight: UnsafePointer<Float>, outputFeatures: Int, inputFeatures: Int) {
        self.init(outputFeatures: outputFeatures, inputFeatures: inputFeatures) { panel, base in
            let width = Self.panelWidth
            for column in 0..<min(width, outputFeatures - panel * width) {
                let row = weight + (panel * width + column) * inputFeatures
                for k in 0..<inputFeatures { base[k * width + column] = row[k] }
            }
        }
    }

    /// Packs the transpose of `matrix` (`[rows, columns]`, row-major): the weight of the
    /// products `g · matrix`, which a linear layer's input gradient is (`[out, in]` read as
    /// `[in, out]`). Each panel gathers 16 contiguous floats of every row.
    convenience init(transposing matrix: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.init(outputFeatures: columns, inputFeatures: rows) { panel, base in
            let width = Self.panelWidth
            let first = panel * width, used = min(width, columns - first)
            for k in 0..<rows { (base + k * width).update(from: matrix + k * columns + first, count: used) }
        }
    }

    /// Whether a product of `rows` rows through a weight packed for just that call is faster
    /// than `sgemm`: many rows (packing costs one read of the weight) and a narrow side.
    /// Measured on AVX2 (BENCHMARKS.md): a narrow side of 32–128 features is 1.1–1.9× `sgemm`
    /// over 8 K–220 K rows; of 256, equal on one thread and 1.1–1.3× on two; with both sides
    /// 512 or more `sgemm` is as fast or faster.
    static func suitsProduct(rows: Int, inputFeatures: Int, outputFeatures: Int) -> Bool {
        rows >= 4 * rowBlock && min(inputFeatures, outputFeatures) <= 256
    }

    /// Packs a weight tensor of rank 2.
    convenience init(_ weight: Tensor) {
        require(weight.rank == 2, "PackedWeight needs a matrix, not shape \(weight.shape)")
        self.init(weight: weight.pointer, outputFeatures: weight.shape[0], inputFeatures: weight.shape[1])
    }

    deinit { panels.deallocate() }

    /// `out[r] = x[r] · weightᵀ + bias` for `rows` rows of `x` (stride `inputFeatures`),
    /// written to `out` (stride `outputFeatures`). Panels are shared out over the engine's
    /// threads when there is enough work; every output element is summed by one thread in
    /// the order k = 0, 1, …, so the result does not depend on the thread count.
    ///
    /// A few rows (a sampler's sequences) are read panel by panel, all of them at once, and
    /// the panels shared out. Many rows (a training batch) are taken in blocks of
    /// ``rowBlock``, each passed over by every panel while it sits in cache, and the blocks
    /// shared out; reading all of `x` once per panel would make the product wait on memory.
    func multiply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        if rows == 0 || outputFeatures == 0 { return }
        // At least 256 K multiply-adds (a few microseconds) per chunk, to pay for the hand-off.
        let chunkWork = 1 << 18
        if rows <= 2 * Self.rowBlock {
            let work = rows * inputFeatures * Self.panelWidth
            Engine.parallelChunks(panelCount, grain: max(1, chunkWork / max(work, 1))) { range in
                for panel in range { multiplyPanel(panel, x, rows: rows, bias: bias, into: out) }
            }
            return
        }
        let blocks = (rows + Self.rowBlock - 1) / Self.rowBlock
        let work = Self.rowBlock * inputFeatures * panelCount * Self.panelWidth
        Engine.parallelChunks(blocks, grain: max(1, chunkWork / max(work, 1))) { range in
            for block in range {
                let first = block * Self.rowBlock, count = min(Self.rowBlock, rows - first)
                for panel in 0..<panelCount {
                    multiplyPanel(panel, x + first * inputFeatures, rows: count, bias: bias,
                                  into: out + first * outputFeatures)
                }
            }
        }
    }

    private func multiplyPanel(_ panel: Int, _ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?,
                               into out: UnsafeMutablePointer<Float>) {
        let width = Self.panelWidth
        let first = panel * width
        let columns = min(width, outputFeatures - first)
        var bias0 = Vec(), bias1 = Vec()
        if let bias, columns == width {
            bias0 = load(bias + first)
            bias1 = load(bias + first + 8)
        } else if let bias {
            for j in 0..<columns {
                if j < 8 { bias0[j] = bias[first + j] } else { bias1[j - 8] = bias[first + j] }
            }
        }
        let weights = UnsafePointer(panels + panel * inputFeatures * width)
        var row = 0
        while row < rows {
            let count = min(Self.tileRows, rows - row)
            let a = x + row * inputFeatures, c = out + row * outputFeatures + first
            // A tile of fewer rows runs a kernel of its own size: a sequence of 21 tokens
            // (a lower level's 16 patches and 5 conditions) would otherwise compute 24.
            switch count {
            case 6: productTile(a, rows: 6, weights, bias0, bias1, c, columns: columns)
            case 5: productTile(a, rows: 5, weights, bias0, bias1, c, columns: columns)
            case 4: productTile(a, rows: 4, weights, bias0, bias1, c, columns: columns)
            case 3: productTile(a, rows: 3, weights, bias0, bias1, c, columns: columns)
            default:
                for r in 0..<count {
                    productRow(a + r * inputFeatures, weights, bias0, bias1, c + r * outputFeatures, columns: columns)
                }
            }
            row += count
        }
    }

    /// One tile of three to six rows × sixteen columns. `rows` is a constant at every call, so
    /// each size compiles to its own loop with only its rows' multiply-adds.
    @inline(__always)
    private func productTile(_ a: UnsafePointer<Float>, rows: Int, _ b: UnsafePointer<Float>, _ bias0: Vec, _ bias1: Vec,
                             _ c: UnsafeMutablePointer<Float>, columns: Int) {
        let k = inputFeatures
        let a0 = a, a1 = a + k, a2 = a + 2 * k
        let a3 = rows > 3 ? a + 3 * k : a
        let a4 = rows > 4 ? a + 4 * k : a
        let a5 = rows > 5 ? a + 5 * k : a
        var c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1
        var c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1
        var p = b
        for i in 0..<k {
            let b0 = load(p), b1 = load(p + 8)
            var s = Vec(repeating: a0[i])
            c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = Vec(repeating: a1[i])
            c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = Vec(repeating: a2[i])
            c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            if rows > 3 {
                s = Vec(repeating: a3[i])
                c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            }
            if rows > 4 {
                s = Vec(repeating: a4[i])
                c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            }
            if rows > 5 {
                s = Vec(repeating: a5[i])
                c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            }
            p += 16
        }
        let ldc = outputFeatures
        storeRow(c00, c01, c, columns: columns)
        storeRow(c10, c11, c + ldc, columns: columns)
        storeRow(c20, c21, c + 2 * ldc, columns: columns)
        if rows > 3 { storeRow(c30, c31, c + 3 * ldc, columns: columns) }
        if rows > 4 { storeRow(c40, c41, c + 4 * ldc, columns: columns) }
        if rows > 5 { storeRow(c50, c51, c + 5 * ldc, columns: columns) }
    }

    /// One row × sixteen columns, summed in the same order as a tile's rows.
    @inline(__always)
    private func productRow(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bias0: Vec, _ bias1: Vec,
                            _ c: UnsafeMutablePointer<Float>, columns: Int) {
        var c0 = bias0, c1 = bias1
        var p = b
        for i in 0..<inputFeatures {
            let s = Vec(repeating: a[i])
            c0 = c0.addingProduct(s, load(p)); c1 = c1.addingProduct(s, load(p + 8))
            p += 16
        }
        storeRow(c0, c1, c, columns: columns)
    }

    @inline(__always)
    private func storeRow(_ low: Vec, _ high: Vec, _ c: UnsafeMutablePointer<Float>, columns: Int) {
        if columns == 16 {
            store(low, c)
            store(high, c + 8)
        } else {
            for j in 0..<columns { c[j] = j < 8 ? low[j] : high[j - 8] }
        }
    }
}

extension Storage {
    /// The packed form of this storage read as a `[outputFeatures, inputFeatures]` weight,
    /// made on first use and kept until the storage's contents change.
    func packedWeight(outputFeatures: Int, inputFeatures: Int) -> PackedWeight {
        let version = contentsVersion.load(ordering: .acquiring)
        return packed.withLock { cache in
            if let cache, cache.version == version, cache.weight.outputFeatures == outputFeatures,
               cache.weight.inputFeatures == inputFeatures {
                return cache.weight
            }
            let weight = PackedWeight(weight: pointer, outputFeatures: outputFeatures, inputFeatures: inputFeatures)
            cache = PackedCache(version: version, weight: weight)
            return weight
        }
    }
}

/// A storage's packed weight and the contents version it was packed from.
struct PackedCache {
    let version: Int
    let weight: PackedWeight
}
