import Foundation
import Engine

/// The AdamW optimizer (decoupled weight decay, Loshchilov & Hutter), step for step the same
/// arithmetic as `torch.optim.AdamW` (single-tensor path) so results match PyTorch.
///
/// Weight decay applies only to `groups.decay`. The learning rate is passed to each
/// ``step(learningRate:)`` (from a ``LearningRateSchedule``). The state — first and second
/// moments and the step count of each parameter — can be exported to and imported from a
/// safetensors file for checkpoints, keyed by parameter name.
public final class AdamW {
    /// The hyper-parameters.
    public struct Configuration: Sendable, Equatable {
        /// Decay rate of the first moment (β₁).
        public var beta1: Float
        /// Decay rate of the second moment (β₂).
        public var beta2: Float
        /// Added to the denominator for stability (ε).
        public var epsilon: Float
        /// Decoupled weight decay applied to the decay group.
        public var weightDecay: Float

        /// The project's defaults: β 0.9 / 0.95, ε 1e-8, weight decay 0.05.
        public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.05) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    /// The hyper-parameters in use.
    public let configuration: Configuration
    /// The parameters, split into decay and no-decay groups.
    public let groups: ParameterGroups

    private let parameters: [NamedParameter]
    private let decays: [Bool]
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]
    private var stepCounts: [Int]

    /// An optimizer over `groups` with zeroed state.
    public init(groups: ParameterGroups, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.groups = groups
        self.parameters = groups.decay + groups.noDecay
        self.decays = groups.decay.map { _ in true } + groups.noDecay.map { _ in false }
        self.firstMoments = parameters.map { [Float](repeating: 0, count: $0.tensor.count) }
        self.secondMoments = firstMoments
        self.stepCounts = parameters.map { _ in 0 }
    }

    /// An optimizer over `parameters`, split by ``ParameterGroups``.
    public convenience init(parameters: [NamedParameter], configuration: Configuration = Configuration()) {
        self.init(groups: ParameterGroups(parameters), configuration: configuration)
    }

    /// The number of updates applied so far (the largest per-parameter count).
    public var stepCount: Int { stepCounts.max() ?? 0 }

    /// Updates every parameter that has a gradient, in place, with learning rate `learningRate`.
    /// Parameters without a gradient are left alone (their moments and step count too).
    /// Parameters with at least this many elements are updated on every thread.
    static let elementsPerThread = 1 << 16

    public func step(learningRate: Double) {
        let lr = Float(learningRate)
        let beta1 = configuration.beta1, beta2 = configuration.beta2, eps = configuration.epsilon
        for index in parameters.indices {
            let tensor = parameters[index].tensor
            guard let grad = tensor.grad else { continue }
            stepCounts[index] += 1
            let step = Double(stepCounts[index])
            let decayFactor = 1 - lr * (decays[index] ? configuration.weightDecay : 0)
            let biasCorrection1 = 1 - pow(Double(beta1), step)
            let biasCorrection2Root = Float((1 - pow(Double(beta2), step)).squareRoot())
            let stepSize = Float(Double(lr) / biasCorrection1)
            grad.withUnsafeBufferPointer { g in
                tensor.withUnsafeMutableBufferPointer { p in
                    firstMoments[index].withUnsafeMutableBufferPointer { m in
                        secondMoments[index].withUnsafeMutableBufferPointer { v in
                            // Each element on its own: a large parameter is shared out over
                            // the threads with the same bits.
                            let count = p.count
                            let parts = count >= Self.elementsPerThread ? Engine.threadCount : 1
                            Engine.runConcurrently(parts) { part in
                                for i in (part * count / parts)..<((part + 1) * count / parts) {
                                    p[i] *= decayFactor
                                    m[i] += (g[i] - m[i]) * (1 - beta1)
                                    v[i] = v[i] * beta2 + (1 - beta2) * g[i] * g[i]
                                    let denominator = v[i].squareRoot() / biasCorrection2Root + eps
                                    p[i] -= stepSize * (m[i] / denominator)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Clears the gradient of every parameter.
    public func zeroGradients() {
        for parameter in parameters { parameter.tensor.zeroGradient() }
    }

    /// Writes the state into `file` as `<prefix>exp_avg.<name>`, `<prefix>exp_avg_sq.<name>`
    /// (F32, the parameter's shape) and `<prefix>step.<name>` (I64 scalar).
    public func exportState(into file: inout SafeTensorsFile, prefix: String = "optimizer.") {
        for (index, parameter) in parameters.enumerated() {
            let shape = parameter.tensor.shape
            file.set("\(prefix)exp_avg.\(parameter.name)", floats: firstMoments[index], shape: shape)
            file.set("\(prefix)exp_avg_sq.\(parameter.name)", floats: secondMoments[index], shape: shape)
            file.set("\(prefix)step.\(parameter.name)", int64s: [Int64(stepCounts[index])], shape: [])
        }
    }

    /// Restores the state written by ``exportState(into:prefix:)``; every parameter's entries
    /// must be present with matching shapes. On error the state is unchanged.
    public func importState(from file: SafeTensorsFile, prefix: String = "optimizer.") throws(SafeTensorsError) {
        var first: [[Float]] = []
        var second: [[Float]] = []
        var steps: [Int] = []
        for parameter in parameters {
            let shape = parameter.tensor.shape
            first.append(try file.floats("\(prefix)exp_avg.\(parameter.name)", shape: shape))
            second.append(try file.floats("\(prefix)exp_avg_sq.\(parameter.name)", shape: shape))
            steps.append(Int(try file.int64s("\(prefix)step.\(parameter.name)", shape: [])[0]))
        }
        firstMoments = first
        secondMoments = second
        stepCounts = steps
    }
}
