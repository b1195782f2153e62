/// Rolls (pitch-major, `steps` steps per pitch) moved `delay` steps later for the model, and
/// moved back: the 8th-note grid shift of ``GenerationRequest/modelDelaySteps``.
public struct RollDelay: Sendable, Equatable {
    /// Steps per pitch of the rolls before the move.
    public let steps: Int
    /// Steps the rolls move later.
    public let delay: Int

    /// A move of rolls `steps` long by `delay` steps.
    public init(steps: Int, delay: Int) {
        self.steps = steps
        self.delay = delay
    }

    /// `values` with `padding` in the `delay` steps that now open each pitch row.
    public func later<Value>(_ values: [Value], padding: Value) -> [Value] {
        guard delay > 0 else { return values }
        var result: [Value] = []
        result.reserveCapacity(values.count / steps * (steps + delay))
        for row in stride(from: 0, to: values.count, by: steps) {
            result += repeatElement(padding, count: delay)
            result += values[row..<(row + steps)]
        }
        return result
    }

    /// Moved rolls (`steps + delay` steps per pitch) with their first `delay` steps dropped.
    public func back<Value>(_ values: [Value]) -> [Value] {
        guard delay > 0 else { return values }
        var result: [Value] = []
        result.reserveCapacity(values.count / (steps + delay) * steps)
        for row in stride(from: 0, to: values.count, by: steps + delay) {
            result += values[(row + delay)..<(row + delay + steps)]
        }
        return result
    }
}
