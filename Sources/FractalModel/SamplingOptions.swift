import Foundation

/// The knobs of generation: the `sampling:` section of a configuration, the command-line
/// sampling flags over it, and what ``FractalGenerativeModel/sample(count:labels:known:options:onProgress:isCancelled:)``
/// draws with. ``check(for:width:)`` holds every rule they must meet, in one wording for the
/// configuration file, the command line and the library.
public struct SamplingOptions: Sendable, Equatable {
    /// The settings of each MAR level, top first: its iterations and the order it draws its
    /// patches in. AR levels take one step per patch and have no entry. Read per generator
    /// level with ``level(_:of:)``.
    public var marLevels: [MARLevel] = [64, 16, 16].map { MARLevel(iterations: $0, patchOrder: .random) }
    /// Classifier-free guidance strength (`cfg`); 1 runs the conditional branch alone.
    public var cfg: Double = 1.0
    /// Constant `cfg`, or a linear ramp from 1 to `cfg` over level-0 progress (`cfg_schedule`).
    public var cfgSchedule: GuidanceSchedule = .constant
    /// Divisor of the head's logits (`temperature`; lower is more conservative), except for
    /// the state of a cell that follows a sounding note when `holdTemperature` is set.
    public var temperature: Double = 1.0
    /// Divisor of the head's state logits at a cell whose previous step holds a decided,
    /// sounding note (`hold_temperature`): the choice between holding the note, ending it and
    /// striking it again; nil uses `temperature`. 1 keeps the note lengths the model predicts,
    /// so that a `temperature` above 1 adds notes without cutting them short.
    public var holdTemperature: Double?
    /// Nucleus sampling at the head (`top_p`): each draw keeps the most probable classes whose
    /// probabilities add up to at least this; 1 keeps every class (``Nucleus``).
    public var topP: Double = 1.0
    /// Under guidance, classes whose conditional probability is below this are not pushed up
    /// by the null branch (`filter_threshold`, FractalGen's filter).
    public var filterThreshold: Double = 1.0e-4
    /// How likely a new note outside the piece's key is, as a factor (0 < w ≤ 1) on the
    /// model's probability (`off_scale_weight`, ``KeyGuide``); 1 leaves the model alone.
    public var offScaleWeight: Double = 1.0
    /// Whether a second pass draws again the cells beside level 0's patch borders in time
    /// (`redraw_seams`, ``SeamPass``), where notes otherwise break off more often than in real
    /// music; it needs level-0 patches of a multiple of 8 steps.
    public var redrawSeams: Bool = true
    /// The seed of every random choice; the same options and seed give the same output. Not a
    /// configuration key: each generation request sets it.
    public var seed: UInt64 = 0

    /// The default options.
    public init() {}

    /// Options with the given values.
    public init(numIterList: [Int], cfg: Double = 1, cfgSchedule: GuidanceSchedule = .constant,
                temperature: Double = 1, topP: Double = 1, filterThreshold: Double = 1e-4, redrawSeams: Bool = true,
                seed: UInt64 = 0) {
        self.marLevels = numIterList.map { MARLevel(iterations: $0, patchOrder: .random) }
        self.cfg = cfg
        self.cfgSchedule = cfgSchedule
        self.temperature = temperature
        self.topP = topP
        self.filterThreshold = filterThreshold
        self.redrawSeams = redrawSeams
        self.seed = seed
    }

    /// The iterations of the MAR levels, top first: how the `num_iter_list` key and the
    /// `--iters` flag spell them, as one list. Setting it keeps the patch order of each level
    /// that remains; a level it adds draws in random order.
    public var numIterList: [Int] {
        get { marLevels.map(\.iterations) }
        set {
            marLevels = newValue.enumerated().map { entry, iterations in
                MARLevel(iterations: iterations, patchOrder: marLevels.indices.contains(entry) ? marLevels[entry].patchOrder : .random)
            }
        }
    }

    /// The patch orders of the MAR levels, top first: how the `patch_order` key and the
    /// `--patch-order` flag spell them.
    public var patchOrders: [PatchOrder] { marLevels.map(\.patchOrder) }

    /// Whether every MAR level draws its patches in random order, as the model was trained.
    public var drawsInTrainingOrder: Bool { marLevels.allSatisfy { $0.patchOrder == .random } }

    /// Gives the MAR levels the patch orders `orders`, one per level, top first; an empty list
    /// draws every level in random order.
    /// - Throws: ``SamplingOptionsError`` when `orders` has another count than the levels.
    public mutating func setPatchOrders(_ orders: [PatchOrder]) throws(SamplingOptionsError) {
        guard orders.isEmpty || orders.count == marLevels.count else {
            throw SamplingOptionsError(.patchOrder, "[\(orders.map(\.rawValue).joined(separator: ", "))] has \(Self.entries(orders.count)) for "
                + "\(marLevels.count) MAR level\(marLevels.count == 1 ? "" : "s"); give one per MAR level, "
                + "e.g. \(PatchOrder.example(marLevels.count)), or none for random order everywhere")
        }
        for index in marLevels.indices { marLevels[index].patchOrder = orders.isEmpty ? .random : orders[index] }
    }

    /// These options with `seed`.
    public func seeded(_ seed: UInt64) -> SamplingOptions {
        var options = self
        options.seed = seed
        return options
    }

    /// The options of one MAR level: its iterations and the order it draws its patches in.
    public struct MARLevel: Sendable, Equatable {
        /// The level's MAR steps.
        public var iterations: Int
        /// The order it unmasks its patches in.
        public var patchOrder: PatchOrder

        /// A level of `iterations` steps drawing its patches in `patchOrder`.
        public init(iterations: Int, patchOrder: PatchOrder) {
            self.iterations = iterations
            self.patchOrder = patchOrder
        }
    }

    /// The options of generator level `level` (0 at the top) of a model whose levels are
    /// `types`: nil for an AR level, which takes one step per patch in its scan order. This is
    /// the one place that finds a generator level's entry among ``marLevels``.
    public func level(_ level: Int, of types: [GeneratorType]) -> MARLevel? {
        guard types.indices.contains(level), types[level] == .mar else { return nil }
        let ordinal = types.prefix(level).filter { $0 == .mar }.count
        return marLevels.indices.contains(ordinal) ? marLevels[ordinal] : nil
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

    // MARK: Rules

    /// Checks every rule the options must meet for `model` drawing rolls `width` steps wide.
    /// - Throws: ``SamplingOptionsError`` for the first rule broken.
    public func check(for model: ModelConfig, width: Int) throws(SamplingOptionsError) {
        try checkValues()
        let types = model.generatorTypes, sides = model.imgSizeList
        let levels = types.indices.filter { types[$0] == .mar }
        guard numIterList.count == levels.count else {
            throw SamplingOptionsError(.iterations, "\(Self.list(numIterList)) has \(Self.entries(numIterList.count)) for \(levels.count) MAR "
                + "level\(levels.count == 1 ? "" : "s") (AR levels take one step per patch); give one per MAR level, e.g. "
                + Self.list(SamplingOptions.defaultIterations(model: model, cropLength: width)))
        }
        guard sides.count == types.count + 1 else { return }
        for (entry, level) in levels.enumerated() {
            let patch = sides[level + 1]
            let tokens = level == 0 ? (sides[0] / patch) * (width / patch) : (sides[level] / patch) * (sides[level] / patch)
            let iterations = numIterList[entry]
            guard iterations >= 1 && iterations <= tokens else {
                throw SamplingOptionsError(.iterations, "\(Self.list(numIterList)) gives MAR level \(level) \(iterations) steps, "
                    + "not between 1 and its \(tokens) patches; use at most \(tokens) (one patch per step)")
            }
        }
    }

    /// Checks the rules that hold whatever the model: the ranges of the numbers.
    /// - Throws: ``SamplingOptionsError`` for the first rule broken.
    public func checkValues() throws(SamplingOptionsError) {
        guard cfg.isFinite && cfg >= 0 else {
            throw SamplingOptionsError(.cfg, "\(cfg) must be a number ≥ 0; use 1 for no guidance")
        }
        guard temperature.isFinite && temperature > 0 else {
            throw SamplingOptionsError(.temperature, "\(temperature) must be a positive number; use e.g. 1.0")
        }
        if let holdTemperature, !(holdTemperature.isFinite && holdTemperature > 0) {
            throw SamplingOptionsError(.holdTemperature, "\(holdTemperature) must be a positive number; use e.g. 1.0")
        }
        guard topP > 0 && topP <= 1 else {
            throw SamplingOptionsError(.topP, "\(topP) is outside (0, 1]; use e.g. 0.98, or 1 to keep every class")
        }
        guard filterThreshold >= 0 && filterThreshold < 1 else {
            throw SamplingOptionsError(.filterThreshold, "\(filterThreshold) is outside [0, 1); use 1.0e-4")
        }
        guard offScaleWeight > 0 && offScaleWeight <= 1 else {
            throw SamplingOptionsError(.offScaleWeight, "\(offScaleWeight) is outside (0, 1]; use e.g. 0.1, or 1 to leave the model's notes alone")
        }
        guard numIterList.allSatisfy({ $0 >= 1 }) else {
            throw SamplingOptionsError(.iterations, "\(Self.list(numIterList)) holds a number below 1; give each MAR level at least 1 step")
        }
    }

    /// "1 entry", "2 entries", for messages.
    static func entries(_ count: Int) -> String {
        "\(count) entr\(count == 1 ? "y" : "ies")"
    }

    /// `values` as a YAML list, for messages.
    static func list(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ", ") + "]"
    }
}

/// A sampling option that breaks a rule: the option, and what is wrong with its value and how
/// to fix it. Each caller names the option as its user wrote it (``described(naming:)``).
public struct SamplingOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A sampling option, with its configuration key and its command-line flag.
    public enum Option: String, Sendable, CaseIterable {
        case iterations = "num_iter_list", cfg, cfgSchedule = "cfg_schedule", temperature
        case holdTemperature = "hold_temperature", topP = "top_p", filterThreshold = "filter_threshold"
        case offScaleWeight = "off_scale_weight", redrawSeams = "redraw_seams", patchOrder = "patch_order"

        /// The key in a configuration's `sampling:` section: `sampling.top_p`.
        public var configurationKey: String { "sampling." + rawValue }

        /// The command-line flag of `generate`, `continue` and `inpaint`: `--top-p`.
        public var flag: String {
            switch self {
            case .iterations: "--iters"
            default: "--" + rawValue.replacingOccurrences(of: "_", with: "-")
            }
        }
    }

    /// The option at fault.
    public let option: Option
    /// Its value, what is wrong and how to fix it, without the option's name.
    public let problem: String

    /// An error about `option`.
    public init(_ option: Option, _ problem: String) {
        self.option = option
        self.problem = problem
    }

    /// The message with the option named `name`: `--top-p 0.0 is outside (0, 1]; …`.
    public func described(naming name: String) -> String {
        "\(name) \(problem)"
    }

    /// The message with the option named by its configuration key.
    public var description: String { described(naming: option.configurationKey) }
}
