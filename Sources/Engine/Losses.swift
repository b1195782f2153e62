/// Cross-entropy losses.

extension Tensor {
    /// Weighted cross-entropy of `logits` (shape `[..., classes]`) against class indices
    /// `targets` (one per row), with the log-softmax fused in.
    ///
    /// Reduction: `Σᵢ wᵢ · (−log softmax(logitsᵢ)[targetᵢ]) / Σᵢ wᵢ` — the weighted mean over
    /// rows, so rows with weight 0 (for example cells that are not onsets) contribute
    /// nothing and do not dilute the mean. Without `weights` every row has weight 1 (the
    /// plain mean). When all weights are 0 the loss is 0 and so is its gradient.
    public static func crossEntropy(logits: Tensor, targets: [Int32], weights: [Float]? = nil) -> Tensor {
        let classes = logits.shape.last ?? 1
        let rows = logits.count / max(classes, 1)
        require(targets.count == rows, "crossEntropy: \(targets.count) targets for \(rows) rows of \(logits.shape)")
        if let weights { require(weights.count == rows, "crossEntropy: \(weights.count) weights for \(rows) rows") }
        for t in targets { require(t >= 0 && Int(t) < classes, "crossEntropy: target \(t) outside 0..<\(classes)") }
        let totalWeight = weights.map { $0.reduce(0, +) } ?? Float(rows)
        let logProbabilities = Tensor(uninitializedShape: [rows, classes])
        let perRow = Tensor(uninitializedShape: [rows])
        let x = logits.pointer, lp = logProbabilities.pointer, losses = perRow.pointer
        Engine.parallelChunks(rows, grain: max(1, 4096 / max(classes, 1))) { range in
            for row in range {
                logSoftmaxRow(x + row * classes, lp + row * classes, classes)
                losses[row] = -lp[row * classes + Int(targets[row])] * (weights?[row] ?? 1)
            }
        }
        let loss = Tensor(totalWeight == 0 ? 0 : sumContiguous(losses, rows) / totalWeight)
        let scale = totalWeight == 0 ? 0 : 1 / totalWeight
        let shape = logits.shape
        // The backward holds the tensor, not its pointer: a pointer alone would let the buffer
        // go back to the pool when this function returns, to be reused before the backward.
        return record(loss, inputs: [logits]) { g in
            let dx = Tensor(uninitializedShape: shape)
            let d = dx.pointer, lp = logProbabilities.pointer
            let upstream = g.item * scale
            Engine.parallelChunks(rows, grain: max(1, 4096 / max(classes, 1))) { range in
                for row in range {
                    let factor = upstream * (weights?[row] ?? 1)
                    let o = row * classes
                    for c in 0..<classes { d[o + c] = fastExp(lp[o + c]) * factor }
                    d[o + Int(targets[row])] -= factor
                }
            }
            return [dx]
        }
    }
}

extension Tensor {
    /// Weighted binary cross-entropy of `logits` against targets in [0, 1] (one per element),
    /// with the sigmoid fused in and computed stably as `max(x, 0) − x·t + log(1 + e^{−|x|})`.
    /// Same reduction as ``crossEntropy(logits:targets:weights:)``: `Σ wᵢ·ℓᵢ / Σ wᵢ` (the
    /// plain mean without weights; 0 when all weights are 0).
    public static func binaryCrossEntropy(logits: Tensor, targets: [Float], weights: [Float]? = nil) -> Tensor {
        let count = logits.count
        require(targets.count == count, "binaryCrossEntropy: \(targets.count) targets for \(count) logits")
        if let weights { require(weights.count == count, "binaryCrossEntropy: \(weights.count) weights for \(count) logits") }
        let totalWeight = weights.map { $0.reduce(0, +) } ?? Float(count)
        let x = logits.pointer
        let perElement = Tensor(uninitializedShape: [count])
        let losses = perElement.pointer
        Engine.parallelChunks(count, grain: 4096) { range in
            for i in range {
                let v = x[i]
                losses[i] = (max(v, 0) - v * targets[i] + scalarLog1p(fastExp(-abs(v)))) * (weights?[i] ?? 1)
            }
        }
        let scale = totalWeight == 0 ? 0 : 1 / totalWeight
        let out = Tensor(sumContiguous(losses, count) * scale)
        let saved = logits.detached()
        return record(out, inputs: [logits]) { g in
            let dx = Tensor(uninitializedShape: saved.shape)
            let d = dx.pointer, s = saved.pointer
            let upstream = g.item * scale
            Engine.parallelChunks(count, grain: 4096) { range in
                for i in range {
                    let sigmoid = 1 / (1 + fastExp(-s[i]))
                    d[i] = (sigmoid - targets[i]) * upstream * (weights?[i] ?? 1)
                }
            }
            return [dx]
        }
    }
}

extension Tensor {
    /// Elementwise logistic sigmoid `1 / (1 + e^{−x})`.
    public func sigmoid() -> Tensor {
        let out = unaryMap(self, { 1 / (1 + fastExp(Vec(repeating: 0) - $0)) }, { 1 / (1 + fastExp(-$0)) })
        let y = out.detached()
        return Tensor.record(out, inputs: [self]) { g in
            [g * unaryMap(y, { $0 * (1 - $0) }, { $0 * (1 - $0) })]
        }
    }
}
