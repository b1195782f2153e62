/// Sums and means over axes.

extension Tensor {
    /// The sum over the given axes (negative axes count from the end). The reduced axes are
    /// removed unless `keepingDimensions`, which leaves them with size 1.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = Set(axes.map { axis($0) })
        let out = reduceSum(axes: axes)
        let kept = keepingDimensions ? out.shape : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        let result = Tensor(shape: kept, storage: out.storage)
        let inputShape = shape
        let keptShape = out.shape
        return Tensor.record(result, inputs: [self]) { g in
            [broadcastBinary(AddOperation.self, Tensor.zeros(inputShape), g.reshaped(keptShape))]
        }
    }

    /// The sum along one axis.
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The sum of all elements, as a tensor of shape `[]`.
    public func sum() -> Tensor { sum(alongAxes: Array(0..<rank)) }

    /// The mean over the given axes.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = Set(axes.map { axis($0) }).reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions).scaled(by: 1 / Float(max(n, 1)))
    }

    /// The mean along one axis.
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The mean of all elements, as a tensor of shape `[]`.
    public func mean() -> Tensor { mean(alongAxes: Array(0..<rank)) }

    /// Sums over `axes`, keeping them as size-1 dimensions. Deterministic: every output
    /// element is summed by one thread, in index order.
    func reduceSum(axes: Set<Int>) -> Tensor {
        let outShape = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
        let out = Tensor.zeros(outShape)
        if count == 0 { return out }
        // Merge neighbouring dimensions of the same kind (both kept or both reduced).
        var dims: [(size: Int, reduced: Bool)] = []
        for axis in 0..<rank where shape[axis] != 1 {
            let reduced = axes.contains(axis)
            if let last = dims.last, last.reduced == reduced {
                dims[dims.count - 1].size *= shape[axis]
            } else {
                dims.append((shape[axis], reduced))
            }
        }
        if dims.isEmpty {
            out.pointer[0] = pointer[0]
            return out
        }
        var inStrides = Array(repeating: 1, count: dims.count)
        for i in stride(from: dims.count - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * dims[i + 1].size }
        let keptDims = dims.indices.filter { !dims[$0].reduced }
        let reducedDims = dims.indices.filter { dims[$0].reduced }
        let input = pointer, output = out.pointer

        // Offsets (in the input) of every combination of reduced indices, in order.
        func offsets(_ which: [Int], skippingLast: Bool) -> [Int] {
            let used = skippingLast ? Array(which.dropLast()) : which
            var result = [0]
            for d in used {
                var next: [Int] = []
                next.reserveCapacity(result.count * dims[d].size)
                for base in result { for i in 0..<dims[d].size { next.append(base + i * inStrides[d]) } }
                result = next
            }
            return result
        }

        if dims.last!.reduced {
            // Each output element sums contiguous runs.
            let run = dims.last!.size
            let reducedOffsets = offsets(reducedDims, skippingLast: true)
            let keptOffsets = offsets(keptDims, skippingLast: false)
            Engine.parallelChunks(keptOffsets.count, grain: max(1, Engine.elementwiseGrain / (run * reducedOffsets.count))) { range in
                for o in range {
                    var total: Float = 0
                    for r in reducedOffsets { total += sumContiguous(input + keptOffsets[o] + r, run) }
                    output[o] = total
                }
            }
        } else {
            // Output rows of `run` contiguous elements accumulate whole input rows.
            let run = dims.last!.size
            let reducedOffsets = offsets(reducedDims, skippingLast: false)
            let keptOffsets = offsets(keptDims, skippingLast: true)
            let columnBlock = 256
            let blocks = (run + columnBlock - 1) / columnBlock
            let units = keptOffsets.count * blocks
            let rowBlock = 512
            if units < 8 && reducedOffsets.count >= 2 * rowBlock {
                // Few outputs, many rows (a bias gradient): partial sums over fixed blocks of
                // rows in parallel, then the partials summed in block order.
                let rowBlocks = (reducedOffsets.count + rowBlock - 1) / rowBlock
                let partial = Tensor.zeros([keptOffsets.count, rowBlocks, run])
                let pp = partial.pointer
                Engine.parallelChunks(keptOffsets.count * rowBlocks, grain: 1) { range in
                    for unit in range {
                        let o = unit / rowBlocks, r = unit % rowBlocks
                        let target = pp + unit * run
                        for reduced in reducedOffsets[(r * rowBlock)..<min(reducedOffsets.count, (r + 1) * rowBlock)] {
                            let source = input + keptOffsets[o] + reduced
                            var i = 0
                            while i + 8 <= run { store(load(target + i) + load(source + i), target + i); i += 8 }
                            while i < run { target[i] += source[i]; i += 1 }
                        }
                    }
                }
                for o in 0..<keptOffsets.count {
                    let target = output + o * run
                    for r in 0..<rowBlocks {
                        let source = pp + (o * rowBlocks + r) * run
                        var i = 0
                        while i + 8 <= run { store(load(target + i) + load(source + i), target + i); i += 8 }
                        while i < run { target[i] += source[i]; i += 1 }
                    }
                }
                return out
            }
            Engine.parallelChunks(units, grain: max(1, Engine.elementwiseGrain / (min(run, columnBlock) * reducedOffsets.count))) { range in
                for unit in range {
                    let o = unit / blocks
                    let start = (unit % blocks) * columnBlock
                    let width = min(columnBlock, run - start)
                    let target = output + o * run + start
                    for r in reducedOffsets {
                        let source = input + keptOffsets[o] + r + start
                        var i = 0
                        while i + 8 <= width { store(load(target + i) + load(source + i), target + i); i += 8 }
                        while i < width { target[i] += source[i]; i += 1 }
                    }
                }
            }
        }
        return out
    }
}

/// The sum of `n` contiguous floats (eight SIMD lanes, then a fixed-order horizontal sum).
@inline(__always) func sumContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = Vec(), a1 = Vec()
    var i = 0
    while i + 16 <= n { a0 += load(p + i); a1 += load(p + i + 8); i += 16 }
    if i + 8 <= n { a0 += load(p + i); i += 8 }
    var total = horizontalSum(a0 + a1)
    while i < n { total += p[i]; i += 1 }
    return total
}

@inline(__always) func sumContiguous(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    sumContiguous(UnsafePointer(p), n)
}
