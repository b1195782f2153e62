/// Reshape (free), permute/transpose, slice and concatenate.

extension Tensor {
    /// The same elements with another shape (no copy). One dimension may be `-1`, meaning
    /// "whatever is left".
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            require(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        require(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        if resolved == shape && record == nil { return self }
        let out = Tensor(shape: resolved, storage: storage)
        let original = shape
        return Tensor.record(out, inputs: [self]) { g in [g.reshaped(original)] }
    }

    /// The tensor with its dimensions reordered: result dimension `i` is input dimension
    /// `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        require(order.count == rank && Set(order) == Set(0..<rank), "bad permutation \(order) for shape \(shape)")
        if order == Array(0..<rank) { return reshaped(shape) }
        let outShape = order.map { shape[$0] }
        let out = Tensor(uninitializedShape: outShape)
        var inStrides = Array(repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let strides = order.map { inStrides[$0] }   // input stride of each output dimension
        let inner = outShape.last ?? 1
        let innerStride = strides.last ?? 1
        let rows = out.count / max(inner, 1)
        let source = pointer, target = out.pointer
        Engine.parallelChunks(rows, grain: max(1, Engine.elementwiseGrain / max(inner, 1))) { range in
            for row in range {
                var rest = row, offset = 0
                for d in stride(from: outShape.count - 2, through: 0, by: -1) {
                    offset += (rest % outShape[d]) * strides[d]
                    rest /= outShape[d]
                }
                let to = target + row * inner
                if innerStride == 1 {
                    to.update(from: source + offset, count: inner)
                } else {
                    for i in 0..<inner { to[i] = source[offset + i * innerStride] }
                }
            }
        }
        var inverse = Array(repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.record(out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// The tensor with two dimensions swapped.
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(axis(first), axis(second))
        return permuted(order)
    }

    /// The elements whose index along `axis` lies in `range`.
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = self.axis(axis)
        require(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice \(range) out of bounds for dimension \(axis) of \(shape)")
        var outShape = shape
        outShape[axis] = range.count
        let out = Tensor(uninitializedShape: outShape)
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        copyBlocks(from: pointer, fromRow: shape[axis] * inner, fromOffset: range.lowerBound * inner,
                   to: out.pointer, toRow: range.count * inner, toOffset: 0, width: range.count * inner, rows: outer)
        let original = shape
        return Tensor.record(out, inputs: [self]) { g in
            let full = Tensor.zeros(original)
            copyBlocks(from: g.pointer, fromRow: range.count * inner, fromOffset: 0,
                       to: full.pointer, toRow: original[axis] * inner, toOffset: range.lowerBound * inner,
                       width: range.count * inner, rows: outer)
            return [full]
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        require(!tensors.isEmpty, "concatenate needs at least one tensor")
        let first = tensors[0]
        let axis = first.axis(axis)
        for t in tensors {
            require(t.rank == first.rank && t.shape.indices.allSatisfy { $0 == axis || t.shape[$0] == first.shape[$0] },
                         "cannot concatenate shapes \(tensors.map(\.shape)) along axis \(axis)")
        }
        var outShape = first.shape
        outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let out = Tensor(uninitializedShape: outShape)
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            copyBlocks(from: t.pointer, fromRow: t.shape[axis] * inner, fromOffset: 0,
                       to: out.pointer, toRow: outShape[axis] * inner, toOffset: offset * inner,
                       width: t.shape[axis] * inner, rows: outer)
            offset += t.shape[axis]
        }
        return record(out, inputs: tensors) { g in
            zip(tensors, offsets).map { t, start in
                guard t.needsGradient else { return nil }
                let part = Tensor(uninitializedShape: t.shape)
                copyBlocks(from: g.pointer, fromRow: outShape[axis] * inner, fromOffset: start * inner,
                           to: part.pointer, toRow: t.shape[axis] * inner, toOffset: 0,
                           width: t.shape[axis] * inner, rows: outer)
                return part
            }
        }
    }
}

/// Copies `rows` blocks of `width` floats between two row-strided layouts.
func copyBlocks(from source: UnsafeMutablePointer<Float>, fromRow: Int, fromOffset: Int,
                to target: UnsafeMutablePointer<Float>, toRow: Int, toOffset: Int, width: Int, rows: Int) {
    Engine.parallelRowSegments(rows: rows, width: width) { r, columns in
        (target + r * toRow + toOffset + columns.lowerBound)
            .update(from: source + r * fromRow + fromOffset + columns.lowerBound, count: columns.count)
    }
}
