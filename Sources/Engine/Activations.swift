/// GELU, softmax and log-softmax (SIMD, parallel over rows).

extension Tensor {
    /// The Gaussian error linear unit in PyTorch's default exact form,
    /// `x · Φ(x) = 0.5 · x · (1 + erf(x / √2))` (erf to within 1.5e-7).
    public func gelu() -> Tensor {
        let out = unaryMap(self, { geluForward($0) }, { geluForward(Vec(repeating: $0))[0] })
        let x = detached()
        return Tensor.record(out, inputs: [self]) { g in [geluBackward(x, g)] }
    }

    /// Softmax along `axis` (the last by default).
    public func softmax(alongAxis axis: Int = -1) -> Tensor {
        alongLastAxis(axis) { $0.lastAxisSoftmax(logarithm: false) }
    }

    /// Log-softmax along `axis` (the last by default), computed stably as
    /// `x − max − log Σ exp(x − max)`.
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
        alongLastAxis(axis) { $0.lastAxisSoftmax(logarithm: true) }
    }

    /// Applies a last-axis op along any axis by moving that axis last and back.
    private func alongLastAxis(_ axis: Int, _ body: (Tensor) -> Tensor) -> Tensor {
        let axis = self.axis(axis)
        if axis == rank - 1 { return body(self) }
        var order = Array(0..<rank)
        order.swapAt(axis, rank - 1)
        return body(permuted(order)).permuted(order)
    }

    private func lastAxisSoftmax(logarithm: Bool) -> Tensor {
        let n = shape.last ?? 1
        let rows = count / max(n, 1)
        let out = Tensor(uninitializedShape: shape)
        let x = pointer, y = out.pointer
        Engine.parallelChunks(rows, grain: max(1, 4096 / max(n, 1))) { range in
            for row in range {
                if logarithm { logSoftmaxRow(x + row * n, y + row * n, n) } else { softmaxRow(x + row * n, y + row * n, n) }
            }
        }
        let saved = out.detached()
        return Tensor.record(out, inputs: [self]) { g in
            let dx = Tensor(uninitializedShape: saved.shape)
            let gy = g.pointer, s = saved.pointer, d = dx.pointer
            Engine.parallelChunks(rows, grain: max(1, 4096 / max(n, 1))) { range in
                for row in range {
                    let o = row * n
                    if logarithm {
                        // dx = dy − softmax · Σ dy
                        let total = sumContiguous(gy + o, n)
                        for i in 0..<n { d[o + i] = gy[o + i] - fastExp(s[o + i]) * total }
                    } else {
                        // dx = y ⊙ (dy − Σ dy ⊙ y)
                        let dot = dotContiguous(gy + o, s + o, n)
                        var i = 0
                        while i + 8 <= n { store(load(s + o + i) * (load(gy + o + i) - dot), d + o + i); i += 8 }
                        while i < n { d[o + i] = s[o + i] * (gy[o + i] - dot); i += 1 }
                    }
                }
            }
            return [dx]
        }
    }
}

@inline(__always) func geluForward(_ x: Vec) -> Vec {
    let (erf, _) = erfAndGaussian(x * 0.707_106_781_186_547_5)
    return 0.5 * x * (1 + erf)
}

/// dGELU/dx = Φ(x) + x · φ(x), with φ(x) = e^{−x²/2} / √(2π).
func geluBackward(_ x: Tensor, _ g: Tensor) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape)
    let px = x.pointer, pg = g.pointer, po = out.pointer
    let count = x.count
    Engine.parallelChunks((count + 7) / 8, grain: Engine.elementwiseGrain / 8) { range in
        let end = min(count, range.upperBound * 8)
        var i = range.lowerBound * 8
        func derivative(_ v: Vec) -> Vec {
            let (erf, gaussian) = erfAndGaussian(v * 0.707_106_781_186_547_5)
            return 0.5 * (1 + erf) + v * gaussian * 0.398_942_280_401_432_7
        }
        while i + 8 <= end { store(load(pg + i) * derivative(load(px + i)), po + i); i += 8 }
        while i < end { po[i] = pg[i] * derivative(Vec(repeating: px[i]))[0]; i += 1 }
    }
    return out
}

/// The largest of `n` contiguous floats.
@inline(__always) func maxContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var i = 0
    var best = -Float.infinity
    if n >= 8 {
        var m = load(p)
        i = 8
        while i + 8 <= n { let v = load(p + i); m.replace(with: v, where: v .> m); i += 8 }
        best = horizontalMax(m)
    }
    while i < n { best = max(best, p[i]); i += 1 }
    return best
}

@inline(__always) func dotContiguous(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = Vec(), a1 = Vec()
    var i = 0
    while i + 16 <= n { a0 += load(a + i) * load(b + i); a1 += load(a + i + 8) * load(b + i + 8); i += 16 }
    if i + 8 <= n { a0 += load(a + i) * load(b + i); i += 8 }
    var total = horizontalSum(a0 + a1)
    while i < n { total += a[i] * b[i]; i += 1 }
    return total
}

@inline(__always) func dotContiguous(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    dotContiguous(UnsafePointer(a), UnsafePointer(b), n)
}

/// y = softmax(x) over one row; a row of −inf gives zeros.
@inline(__always) func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let m = maxContiguous(x, n)
    if m == -.infinity { y.update(repeating: 0, count: n); return }
    var total = Vec()
    var i = 0
    let vm = Vec(repeating: m)
    while i + 8 <= n { let e = fastExp(load(x + i) - vm); store(e, y + i); total += e; i += 8 }
    var sum = horizontalSum(total)
    while i < n { let e = fastExp(x[i] - m); y[i] = e; sum += e; i += 1 }
    let inverse = 1 / sum
    i = 0
    while i + 8 <= n { store(load(y + i) * inverse, y + i); i += 8 }
    while i < n { y[i] *= inverse; i += 1 }
}

@inline(__always) func softmaxRow(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    softmaxRow(UnsafePointer(x), y, n)
}

/// y = log softmax(x) over one row.
@inline(__always) func logSoftmaxRow(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let m = maxContiguous(x, n)
    var total = Vec()
    var i = 0
    let vm = Vec(repeating: m)
    while i + 8 <= n { total += fastExp(load(x + i) - vm); i += 8 }
    var sum = horizontalSum(total)
    while i < n { sum += fastExp(x[i] - m); i += 1 }
    let shift = m + scalarLog(sum)
    i = 0
    let vs = Vec(repeating: shift)
    while i + 8 <= n { store(load(x + i) - vs, y + i); i += 8 }
    while i < n { y[i] = x[i] - shift; i += 1 }
}

@inline(__always) func maxContiguous(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    maxContiguous(UnsafePointer(p), n)
}
