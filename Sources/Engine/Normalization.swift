/// Fused layer normalisation over the last axis.

extension Tensor {
    /// Layer normalisation over the last axis: `(x − mean) / √(var + ε) · weight + bias`,
    /// with the biased variance (as PyTorch). `weight` and `bias` have shape `[last]`.
    /// One pass per row forward; the backward computes the input gradient per row and the
    /// weight and bias gradients from fixed blocks of rows summed in a fixed order.
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let n = shape.last ?? 1
        if let weight { require(weight.shape == [n], "layerNorm: weight \(weight.shape) should be [\(n)]") }
        if let bias { require(bias.shape == [n], "layerNorm: bias \(bias.shape) should be [\(n)]") }
        let rows = count / max(n, 1)
        let out = Tensor(uninitializedShape: shape)
        let statistics = Tensor(uninitializedShape: [rows, 2])   // mean, 1/σ
        let x = pointer, y = out.pointer, stats = statistics.pointer
        let w = weight?.pointer, b = bias?.pointer
        Engine.parallelChunks(rows, grain: max(1, 8192 / max(n, 1))) { range in
            for row in range {
                let xr = x + row * n, yr = y + row * n
                let mean = sumContiguous(xr, n) / Float(n)
                var acc = Vec()
                var i = 0
                let vm = Vec(repeating: mean)
                while i + 8 <= n { let d = load(xr + i) - vm; acc += d * d; i += 8 }
                var variance = horizontalSum(acc)
                while i < n { let d = xr[i] - mean; variance += d * d; i += 1 }
                variance /= Float(n)
                let inverse = 1 / (variance + epsilon).squareRoot()
                stats[2 * row] = mean
                stats[2 * row + 1] = inverse
                let vi = Vec(repeating: inverse)
                i = 0
                while i + 8 <= n {
                    var v = (load(xr + i) - vm) * vi
                    if let w { v *= load(w + i) }
                    if let b { v += load(b + i) }
                    store(v, yr + i)
                    i += 8
                }
                while i < n {
                    var v = (xr[i] - mean) * inverse
                    if let w { v *= w[i] }
                    if let b { v += b[i] }
                    yr[i] = v
                    i += 1
                }
            }
        }
        let input = detached(), savedWeight = weight?.detached()
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        let needX = needsGradient, needW = weight?.needsGradient ?? false, needB = bias?.needsGradient ?? false
        return Tensor.record(out, inputs: inputs) { g in
            layerNormBackward(input: input, weight: savedWeight, statistics: statistics, gradient: g,
                              hasBias: bias != nil, needs: (needX, needW, needB))
        }
    }
}

func layerNormBackward(input: Tensor, weight: Tensor?, statistics: Tensor, gradient: Tensor,
                       hasBias: Bool, needs: (x: Bool, w: Bool, b: Bool)) -> [Tensor?] {
    let n = input.shape.last ?? 1
    let rows = input.count / max(n, 1)
    let x = input.pointer, stats = statistics.pointer, gy = gradient.pointer
    let w = weight?.pointer
    var dx: Tensor?
    if needs.x {
        let result = Tensor(uninitializedShape: input.shape)
        let d = result.pointer
        Engine.parallelChunks(rows, grain: max(1, 8192 / max(n, 1))) { range in
            for row in range {
                let o = row * n
                let mean = stats[2 * row], inverse = stats[2 * row + 1]
                // dx = (1/σ) · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) with ĝ = dy ⊙ weight.
                let xr = x + o, gr = gy + o, dr = d + o
                let vm = Vec(repeating: mean), vi = Vec(repeating: inverse)
                var accG = Vec(), accGX = Vec()
                var i = 0
                while i + 8 <= n {
                    let xhat = (load(xr + i) - vm) * vi
                    var gh = load(gr + i)
                    if let w { gh *= load(w + i) }
                    accG += gh
                    accGX = accGX.addingProduct(gh, xhat)
                    i += 8
                }
                var sumG = horizontalSum(accG), sumGX = horizontalSum(accGX)
                while i < n {
                    let xhat = (xr[i] - mean) * inverse
                    let gh = gr[i] * (w?[i] ?? 1)
                    sumG += gh
                    sumGX += gh * xhat
                    i += 1
                }
                let meanG = sumG / Float(n), meanGX = sumGX / Float(n)
                let vg = Vec(repeating: meanG), vgx = Vec(repeating: meanGX)
                i = 0
                while i + 8 <= n {
                    let xhat = (load(xr + i) - vm) * vi
                    var gh = load(gr + i)
                    if let w { gh *= load(w + i) }
                    store(vi * (gh - vg - xhat * vgx), dr + i)
                    i += 8
                }
                while i < n {
                    let xhat = (xr[i] - mean) * inverse
                    let gh = gr[i] * (w?[i] ?? 1)
                    dr[i] = inverse * (gh - meanG - xhat * meanGX)
                    i += 1
                }
            }
        }
        dx = result
    }
    var dw: Tensor?, db: Tensor?
    if needs.w || needs.b {
        // Partial sums over fixed blocks of rows, then a fixed-order sum of the blocks.
        let block = 32
        let blocks = (rows + block - 1) / block
        let partialW = Tensor.zeros([blocks, n]), partialB = Tensor.zeros([blocks, n])
        let pw = partialW.pointer, pb = partialB.pointer
        Engine.parallelChunks(blocks, grain: 1) { range in
            for blockIndex in range {
                let tw = pw + blockIndex * n, tb = pb + blockIndex * n
                for row in (blockIndex * block)..<min(rows, (blockIndex + 1) * block) {
                    let o = row * n
                    let vm = Vec(repeating: stats[2 * row]), vi = Vec(repeating: stats[2 * row + 1])
                    var i = 0
                    while i + 8 <= n {
                        let g = load(gy + o + i)
                        store(load(tw + i) + g * (load(x + o + i) - vm) * vi, tw + i)
                        store(load(tb + i) + g, tb + i)
                        i += 8
                    }
                    while i < n {
                        tw[i] += gy[o + i] * (x[o + i] - stats[2 * row]) * stats[2 * row + 1]
                        tb[i] += gy[o + i]
                        i += 1
                    }
                }
            }
        }
        if needs.w { dw = partialW.reduceSum(axes: [0]).reshaped([n]) }
        if needs.b { db = partialB.reduceSum(axes: [0]).reshaped([n]) }
    }
    var result: [Tensor?] = [dx]
    if weight != nil { result.append(dw) }
    if hasBias { result.append(db) }
    return result
}
