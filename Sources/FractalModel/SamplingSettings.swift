import Foundation

/// The knobs of generation.
public struct SamplingSettings: Sendable, Equatable {
    /// MAR iterations per MAR level, top first (AR levels have no entry).
    public var numIterList: [Int]
    /// Classifier-free guidance strength; 1 runs the conditional branch alone.
    public var cfg: Double
    /// Constant `cfg`, or a linear ramp from 1 to `cfg` over level-0 progress.
    public var cfgSchedule: GuidanceSchedule
    /// Divisor of the head's logits (lower is more conservative), except for the state of a
    /// cell that follows a sounding note when `holdTemperature` is set.
    public var temperature: Double
    /// Divisor of the head's state logits at a cell whose previous step holds a decided,
    /// sounding note: the choice between holding the note, ending it and striking it again;
    /// nil uses `temperature`. 1 keeps the note lengths the model predicts, so that a
    /// `temperature` above 1 adds notes without cutting them short.
    public var holdTemperature: Double?
    /// Nucleus sampling at the head: each draw keeps the most probable classes whose
    /// probabilities (after `temperature`) add up to at least this, and renormalises; 1
    /// keeps every class. Just below 1 (0.98 for the bundled model) it removes the rare
    /// stray notes that per-cell sampling scatters over empty regions; lower values thin the
    /// music itself.
    public var topP: Double
    /// Under guidance, classes whose conditional probability is below this are not pushed
    /// up by the null branch (FractalGen's filter).
    public var filterThreshold: Double
    /// The seed of every random choice; the same seed gives the same output.
    public var seed: UInt64
    /// How much less likely a new note outside the piece's key is than the model says: the
    /// factor (0 < w ≤ 1) on the probability of a new note whose pitch class lies outside the
    /// major (or relative natural minor) scale that the piece's decided notes fit best, once it
    /// has 16 of them (`KeyGuide` below); 1 leaves the model's probabilities as they are.
    public var offScaleWeight: Double = 1
    /// Whether a second pass draws again the cells within a quarter patch of level 0's patch
    /// borders in time (in the pitch bands that sound there), with the rolls moved half a
    /// patch so that the lower levels see both sides of each border (`SeamPass`); without it
    /// generated notes break off at the borders three times as often as real ones. It costs
    /// about a sixth more time, and needs level-0 patches of a multiple of 8 steps (half a
    /// patch must be whole beats).
    public var redrawsSeams: Bool
    /// The order each MAR level draws its patches in, top first, one entry per MAR level;
    /// empty draws every level in random order, as the model was trained. Time order at the
    /// levels below the top (`[random, time, time]`) makes notes break off at the patch
    /// borders less often.
    public var patchOrders: [PatchOrder] = []

    /// Settings with the given values.
    public init(numIterList: [Int], cfg: Double = 1, cfgSchedule: GuidanceSchedule = .constant,
                temperature: Double = 1, topP: Double = 1, filterThreshold: Double = 1e-4, redrawsSeams: Bool = true,
                seed: UInt64 = 0) {
        self.numIterList = numIterList
        self.cfg = cfg
        self.cfgSchedule = cfgSchedule
        self.temperature = temperature
        self.topP = topP
        self.filterThreshold = filterThreshold
        self.redrawsSeams = redrawsSeams
        self.seed = seed
    }

    /// The settings of a config's `sampling:` section with `seed`.
    public init(_ config: SamplingConfig, seed: UInt64) {
        self.init(numIterList: config.numIterList, cfg: config.cfg, cfgSchedule: config.cfgSchedule,
                  temperature: config.temperature, topP: config.topP, filterThreshold: config.filterThreshold,
                  redrawsSeams: config.redrawSeams, seed: seed)
        offScaleWeight = config.offScaleWeight
        holdTemperature = config.holdTemperature
        patchOrders = config.patchOrder
    }

    /// The order MAR level `marIndex` (counting MAR levels only, top first) draws in.
    func patchOrder(ofMARLevel marIndex: Int) -> PatchOrder {
        patchOrders.isEmpty ? .random : patchOrders[marIndex]
    }

    /// Whether sampling runs the null branch beside the conditional one.
    public var isGuided: Bool { cfg != 1 }

    /// The guidance strength after `progress` (0…1) of level 0.
    func cfg(atProgress progress: Double) -> Double {
        switch cfgSchedule {
        case .constant: cfg
        case .linear: 1 + (cfg - 1) * progress
        }
    }
}
