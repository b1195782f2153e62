import Foundation

/// The scores of one head draw as they pass through the ``LogitProcessor``s: the logits of
/// the classes (states, or velocity bins) and, once a ``TemperatureScaling`` has turned them
/// into them, the unnormalised probabilities the class is drawn from.
public struct DrawScores: Sendable, Equatable {
    /// One logit per class.
    public var logits: [Float]
    /// One unnormalised probability per class (nil until a temperature step computes them).
    public var weights: [Double]?

    /// Scores holding `logits`.
    public init(logits: [Float]) {
        self.logits = logits
    }

    /// The weights a draw uses: ``weights``, or softmax(logits) when no step computed them.
    public var drawWeights: [Double] {
        weights ?? TemperatureScaling.weights(logits, temperature: 1)
    }
}

/// Where a head draw happens: the cell, and what the processors need to know about it.
public struct DrawContext: Sendable {
    /// The cell's index in the rolls being generated (`roll × 128 × width + pitch × width + step`).
    public var position: Int
    /// The null branch's logits of the same cell, when sampling is guided.
    public var unconditional: [Float]?
    /// Whether a decided note sounds at the step before (a sustain here continues it).
    public var followsSoundingNote: Bool

    /// The context of the cell at `position`.
    public init(position: Int, unconditional: [Float]? = nil, followsSoundingNote: Bool = false) {
        self.position = position
        self.unconditional = unconditional
        self.followsSoundingNote = followsSoundingNote
    }
}

/// One step of a head draw: changes the scores of a cell's classes before the class is drawn.
/// The head runs an ordered list of them (``HeadDraw``): guidance, note continuity, the key
/// prior, temperature, the nucleus.
public protocol LogitProcessor: Sendable {
    /// Changes `scores` for the cell `context` describes.
    func process(_ scores: inout DrawScores, in context: DrawContext)
}

/// Classifier-free guidance: mixes the null branch's logits u into the conditional ones c as
/// u + cfg·(c − u). Where the conditional probability is below `filterThreshold`, u is first
/// raised to at least c − max(c) + max(u), so that guidance cannot promote a class the
/// condition rules out (FractalGen's filter). With `cfg` 1, or no null branch, nothing changes.
public struct ClassifierFreeGuidance: LogitProcessor {
    /// The guidance strength (1 is none).
    public var cfg: Double
    /// The conditional probability below which the null branch is filtered.
    public var filterThreshold: Double

    /// Guidance of strength `cfg` with `filterThreshold`.
    public init(cfg: Double, filterThreshold: Double) {
        self.cfg = cfg
        self.filterThreshold = filterThreshold
    }

    public func process(_ scores: inout DrawScores, in context: DrawContext) {
        guard let unconditional = context.unconditional else { return }
        scores.logits = Self.mix(conditional: scores.logits, unconditional: unconditional, cfg: cfg, filterThreshold: filterThreshold)
    }

    /// The mixed logits of conditional `c` and null-branch `u` (one row each).
    public static func mix(conditional c: [Float], unconditional u: [Float], cfg: Double, filterThreshold: Double) -> [Float] {
        if cfg == 1 { return c }
        let maxC = c.max() ?? 0, maxU = u.max() ?? 0
        let total = c.reduce(0.0) { $0 + Foundation.exp(Double($1 - maxC)) }
        var result = c
        for i in c.indices {
            var ui = u[i]
            let probability = Foundation.exp(Double(c[i] - maxC)) / total
            if probability < filterThreshold { ui = max(ui, c[i] - maxC + maxU) }
            result[i] = ui + Float(cfg) * (c[i] - ui)
        }
        return result
    }
}

/// Temperature: turns the logits into the weights softmax(logits / t) (unnormalised, the most
/// probable class at 1), where t is `holdTemperature` (when set) for a cell that follows a
/// sounding note and `temperature` otherwise. Below 1 is more conservative, above 1 wilder; a
/// hold temperature of 1 keeps the note lengths the model predicts while a higher temperature
/// adds notes.
public struct TemperatureScaling: LogitProcessor {
    /// The divisor of the logits.
    public var temperature: Double
    /// The divisor where a decided note sounds at the step before (nil: `temperature`).
    public var holdTemperature: Double?

    /// Scaling by `temperature`, and by `holdTemperature` after a sounding note when given.
    public init(temperature: Double, holdTemperature: Double? = nil) {
        self.temperature = temperature
        self.holdTemperature = holdTemperature
    }

    public func process(_ scores: inout DrawScores, in context: DrawContext) {
        let divisor = context.followsSoundingNote ? holdTemperature ?? temperature : temperature
        scores.weights = Self.weights(scores.logits, temperature: divisor)
    }

    /// exp((logit − max) / `temperature`) per class.
    static func weights(_ logits: [Float], temperature: Double) -> [Double] {
        let scale = 1 / temperature
        let top = Double(logits.max() ?? 0)
        return logits.map { Foundation.exp((Double($0) - top) * scale) }
    }
}

/// Nucleus (top-p) sampling: keeps the fewest most probable classes (ties in index order)
/// whose probabilities add up to at least `topP` and sets the others' weights to 0. Just below
/// 1 it removes the rare stray notes that per-cell sampling scatters over empty registers;
/// lower values thin the music itself. 1 keeps every class.
public struct Nucleus: LogitProcessor {
    /// The probability mass kept.
    public var topP: Double

    /// A nucleus of mass `topP` (0 < p ≤ 1).
    public init(topP: Double) {
        self.topP = topP
    }

    public func process(_ scores: inout DrawScores, in context: DrawContext) {
        guard topP < 1 else { return }
        var weights = scores.drawWeights
        let total = weights.reduce(0, +)
        let ranked = weights.indices.sorted { (weights[$0], $1) > (weights[$1], $0) }
        var kept = 0.0
        var cut = ranked.count
        for (rank, index) in ranked.enumerated() {
            kept += weights[index]
            if kept >= topP * total {
                cut = rank + 1
                break
            }
        }
        for index in ranked[cut...] { weights[index] = 0 }
        scores.weights = weights
    }
}
