import Foundation

/// The learning rate per optimizer step: linear warm-up, then cosine decay to a floor.
///
/// `step` counts optimizer steps already taken (0 for the first update). During warm-up
/// (`step < warmupSteps`) the rate rises linearly, `peak · (step + 1) / warmupSteps`, so the
/// first update already moves and the last warm-up step uses the full `peak`. After it the
/// rate follows half a cosine from `peak` at `warmupSteps` down to `minimum` at `totalSteps`,
/// and stays at `minimum` beyond:
///
///     progress = (step − warmupSteps) / (totalSteps − warmupSteps)
///     rate     = minimum + (peak − minimum) · ½ · (1 + cos(π · progress))
public struct LearningRateSchedule: Sendable, Equatable {
    /// The rate at the end of warm-up.
    public var peak: Double
    /// The floor reached at `totalSteps` (`min_lr`).
    public var minimum: Double
    /// Steps of linear warm-up (0 for none).
    public var warmupSteps: Int
    /// The step at which the cosine reaches `minimum`.
    public var totalSteps: Int

    /// A schedule; requires `0 <= warmupSteps <= totalSteps` and `0 <= minimum <= peak`.
    public init(peak: Double, minimum: Double, warmupSteps: Int, totalSteps: Int) {
        precondition(warmupSteps >= 0 && warmupSteps <= totalSteps, "need 0 <= warmupSteps <= totalSteps")
        precondition(minimum >= 0 && minimum <= peak, "need 0 <= minimum <= peak")
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The learning rate for the update after `step` updates have been taken.
    public func rate(atStep step: Int) -> Double {
        if step < warmupSteps {
            return peak * Double(step + 1) / Double(warmupSteps)
        }
        guard step < totalSteps else { return minimum }
        let progress = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        return minimum + (peak - minimum) * 0.5 * (1 + cos(Double.pi * progress))
    }
}
