/// Index selection, index accumulation, embeddings, masked fill and select-where.

extension Tensor {
    /// The slices along `axis` at `indices`, in that order (PyTorch's `index_select`).
    /// The result's dimension `axis` has `indices.count` entries.
    public func indexSelect(alongAxis axis: Int, indices: [Int32]) -> Tensor {
        let axis = self.axis(axis)
        let size = shape[axis]
        for i in indices { require(i >= 0 && Int(i) < size, "indexSelect: index \(i) outside 0..<\(size)") }
        var outShape = shape
        outShape[axis] = indices.count
        let out = Tensor(uninitializedShape: outShape)
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let source = pointer, target = out.pointer
        let units = outer * indices.count
        Engine.parallelChunks(units, grain: max(1, Engine.elementwiseGrain / max(inner, 1))) { range in
            for unit in range {
                let o = unit / indices.count, j = unit % indices.count
                (target + unit * inner).update(from: source + (o * size + Int(indices[j])) * inner, count: inner)
            }
        }
        let original = shape
        return Tensor.record(out, inputs: [self]) { g in
            [Tensor.zeros(original).accumulating(g, alongAxis: axis, at: indices)]
        }
    }

    /// This tensor plus `source`'s slices added at `indices` along `axis` (PyTorch's
    /// `index_add`; repeated indices accumulate). `source` has `indices.count` entries along
    /// `axis` and matches `self` elsewhere.
    public func scatterAdd(alongAxis axis: Int, indices: [Int32], source: Tensor) -> Tensor {
        let axis = self.axis(axis)
        var expected = shape
        expected[axis] = indices.count
        require(source.shape == expected, "scatterAdd: source \(source.shape) should be \(expected)")
        for i in indices { require(i >= 0 && Int(i) < shape[axis], "scatterAdd: index \(i) outside 0..<\(shape[axis])") }
        let out = Tensor(copying: self).accumulating(source, alongAxis: axis, at: indices)
        return Tensor.record(out, inputs: [self, source]) { g in
            [g, source.needsGradient ? g.indexSelect(alongAxis: axis, indices: indices) : nil]
        }
    }

    /// Rows of this `[vocabulary, width]` table for each index; the result has shape
    /// `indexShape + [width]`.
    public func embedding(indices: [Int32], indexShape: [Int]) -> Tensor {
        require(rank == 2, "embedding: table must be [vocabulary, width], not \(shape)")
        require(indexShape.reduce(1, *) == indices.count, "embedding: \(indices.count) indices do not fill \(indexShape)")
        return indexSelect(alongAxis: 0, indices: indices).reshaped(indexShape + [shape[1]])
    }

    /// Adds `source`'s slices into this (freshly made) tensor at `indices` along `axis`, in
    /// place. Each output slice is summed by one thread in index order (deterministic).
    func accumulating(_ source: Tensor, alongAxis axis: Int, at indices: [Int32]) -> Tensor {
        let size = shape[axis]
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let columnBlock = 512
        let blocks = (inner + columnBlock - 1) / columnBlock
        let s = source.pointer, t = pointer
        Engine.parallelChunks(outer * blocks, grain: 1) { range in
            for unit in range {
                let o = unit / blocks
                let start = (unit % blocks) * columnBlock
                let width = min(columnBlock, inner - start)
                for (j, index) in indices.enumerated() {
                    let from = s + (o * indices.count + j) * inner + start
                    let to = t + (o * size + Int(index)) * inner + start
                    var i = 0
                    while i + 8 <= width { store(load(to + i) + load(from + i), to + i); i += 8 }
                    while i < width { to[i] += from[i]; i += 1 }
                }
            }
        }
        return self
    }

    /// This tensor broadcast to `shape` (copied); the gradient sums back.
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let out = broadcastBinary(AddOperation.self, Tensor.zeros(target), self)
        require(out.shape == target, "cannot expand \(shape) to \(target)")
        let original = shape
        return Tensor.record(out, inputs: [self]) { g in [g.summed(toShape: original)] }
    }

    /// `value` where `mask` is non-zero, this tensor elsewhere (PyTorch's `masked_fill`). `mask` broadcasts to this
    /// tensor's shape and gets no gradient.
    public func maskedFill(_ mask: Tensor, with value: Float) -> Tensor {
        Tensor.select(where: mask, Tensor(value), self)
    }

    /// Elementwise `condition ≠ 0 ? a : b`, with all three broadcast together. The
    /// condition gets no gradient.
    public static func select(where condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = BroadcastLayout(BroadcastLayout(condition.shape, a.shape).shape, b.shape).shape
        let c = condition.detached().expanded(to: shape), ea = a.detached().expanded(to: shape), eb = b.detached().expanded(to: shape)
        let out = Tensor(uninitializedShape: shape)
        let pc = c.pointer, pa = ea.pointer, pb = eb.pointer, po = out.pointer
        Engine.parallelChunks(out.count, grain: Engine.elementwiseGrain) { range in
            for i in range { po[i] = pc[i] != 0 ? pa[i] : pb[i] }
        }
        return record(out, inputs: [a, b]) { g in
            let zero = Tensor.zeros(shape)
            return [a.needsGradient ? Tensor.select(where: c, g, zero).summed(toShape: a.shape) : nil,
                    b.needsGradient ? Tensor.select(where: c, zero, g).summed(toShape: b.shape) : nil]
        }
    }
}
