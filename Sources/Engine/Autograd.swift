import Synchronization

/// One entry of the tape: the inputs of the op that made a tensor and how to turn that
/// tensor's gradient into its inputs' gradients.
final class Record {
    /// Creation order: later records are replayed first.
    let order: Int
    let inputs: [Tensor]
    /// Given the output's gradient, returns one gradient per input (`nil` where the input
    /// needs none). Never called while recording.
    let backward: (Tensor) -> [Tensor?]

    init(inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.order = recordCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        self.inputs = inputs
        self.backward = backward
    }
}

private let recordCounter = Atomic<Int>(0)

extension Tensor {
    /// Attaches a tape record to `output` when recording and any input needs a gradient.
    /// The backward closure must not capture `output` itself (use `output.detached()`),
    /// or the tensor would keep itself alive.
    @discardableResult
    static func record(_ output: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        if inputs.contains(where: { $0.needsGradient }) && Engine.isRecording {
            output.record = Record(inputs: inputs, backward: backward)
        }
        return output
    }

    /// Computes the gradient of this one-element tensor with respect to every leaf that it
    /// depends on, and adds it to the leaves' ``grad``.
    ///
    /// Gradients accumulate across calls; clear them with ``zeroGradient()``. The tape is
    /// kept, so calling `backward()` twice adds the gradient twice.
    public func backward() {
        require(count == 1, "backward() needs a one-element loss, not shape \(shape)")
        backward(gradient: Tensor(shape: shape, repeating: 1))
    }

    /// Propagates `gradient` (the gradient of some loss with respect to this tensor, of this
    /// tensor's shape) back to every leaf this tensor depends on, adding to their ``grad``.
    ///
    /// This is how a loss computed in pieces is differentiated: the pieces are back-propagated
    /// one at a time into a leaf that stands for this tensor, and the leaf's accumulated
    /// gradient is then sent on from here.
    public func backward(gradient seed: Tensor) {
        require(seed.shape == shape, "backward(gradient:) needs a gradient of shape \(shape), not \(seed.shape)")
        if requiresGrad { accumulateLeafGradient(seed) }
        guard record != nil else { return }

        // Collect every recorded tensor reachable from the loss.
        var pending: [Tensor] = [self]
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        var recorded: [Tensor] = []
        while let tensor = pending.popLast() {
            guard let record = tensor.record else { continue }
            recorded.append(tensor)
            for input in record.inputs where input.record != nil {
                if seen.insert(ObjectIdentifier(input)).inserted { pending.append(input) }
            }
        }
        recorded.sort { $0.record!.order > $1.record!.order }

        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        Engine.withoutGradients {
            for tensor in recorded {
                guard let gradient = gradients.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                let record = tensor.record!
                let inputGradients = record.backward(gradient)
                for (input, inputGradient) in zip(record.inputs, inputGradients) {
                    guard let inputGradient, input.needsGradient else { continue }
                    require(inputGradient.shape == input.shape,
                                 "internal: gradient shape \(inputGradient.shape) for input \(input.shape)")
                    if input.record != nil {
                        let key = ObjectIdentifier(input)
                        if let existing = gradients[key] {
                            gradients[key] = existing.adding(inputGradient)
                        } else {
                            gradients[key] = inputGradient
                        }
                    } else if input.requiresGrad {
                        input.accumulateLeafGradient(inputGradient)
                    }
                }
            }
        }
    }

    private func accumulateLeafGradient(_ gradient: Tensor) {
        if let grad {
            grad.addInPlace(gradient)
        } else {
            grad = Tensor(copying: gradient)
        }
    }
}
