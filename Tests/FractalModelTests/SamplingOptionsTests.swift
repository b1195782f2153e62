import FractalModel
import Testing

/// The sampling options' rules (``SamplingOptions/check(for:width:)``): one case per rule, in
/// the one wording the configuration file, the command line and the library share.
@Suite("Sampling options")
struct SamplingOptionsTests {
    /// One broken rule: how to break it and the message it gives (option named by its key).
    struct Rule: Sendable, CustomTestStringConvertible {
        var name: String
        var change: @Sendable (inout SamplingOptions) -> Void
        var option: SamplingOptionsError.Option
        var message: String
        var testDescription: String { name }
    }

    /// The default model (three MAR levels) drawing rolls 256 steps wide.
    static let model = ModelConfig()
    static let width = 256

    static let rules: [Rule] = [
        Rule(name: "cfg below 0", change: { $0.cfg = -1 }, option: .cfg,
             message: "sampling.cfg -1.0 must be a number ≥ 0; use 1 for no guidance"),
        Rule(name: "cfg not finite", change: { $0.cfg = .infinity }, option: .cfg,
             message: "sampling.cfg inf must be a number ≥ 0; use 1 for no guidance"),
        Rule(name: "temperature 0", change: { $0.temperature = 0 }, option: .temperature,
             message: "sampling.temperature 0.0 must be a positive number; use e.g. 1.0"),
        Rule(name: "hold temperature negative", change: { $0.holdTemperature = -1 }, option: .holdTemperature,
             message: "sampling.hold_temperature -1.0 must be a positive number; use e.g. 1.0"),
        Rule(name: "top-p 0", change: { $0.topP = 0 }, option: .topP,
             message: "sampling.top_p 0.0 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class"),
        Rule(name: "top-p above 1", change: { $0.topP = 1.5 }, option: .topP,
             message: "sampling.top_p 1.5 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class"),
        Rule(name: "filter threshold 1", change: { $0.filterThreshold = 1 }, option: .filterThreshold,
             message: "sampling.filter_threshold 1.0 is outside [0, 1); use 1.0e-4"),
        Rule(name: "off-scale weight 0", change: { $0.offScaleWeight = 0 }, option: .offScaleWeight,
             message: "sampling.off_scale_weight 0.0 is outside (0, 1]; use e.g. 0.1, or 1 to leave the model's notes alone"),
        Rule(name: "iterations below 1", change: { $0.numIterList = [64, 0, 16] }, option: .iterations,
             message: "sampling.num_iter_list [64, 0, 16] holds a number below 1; give each MAR level at least 1 step"),
        Rule(name: "iterations for too few levels", change: { $0.numIterList = [64] }, option: .iterations,
             message: "sampling.num_iter_list [64] has 1 entry for 3 MAR levels (AR levels take one step per patch); give one per MAR level, e.g. [64, 16, 16]"),
        Rule(name: "more iterations than patches", change: { $0.numIterList = [64, 17, 16] }, option: .iterations,
             message: "sampling.num_iter_list [64, 17, 16] gives MAR level 1 17 steps, not between 1 and its 16 patches; use at most 16 (one patch per step)"),
    ]

    @Test("each broken rule is one error naming the option, its value and the fix", arguments: rules)
    func rule(_ rule: Rule) {
        var options = SamplingOptions()
        rule.change(&options)
        #expect(throws: SamplingOptionsError.self) { try options.check(for: Self.model, width: Self.width) }
        do {
            try options.check(for: Self.model, width: Self.width)
        } catch {
            #expect(error.option == rule.option)
            #expect(error.description == rule.message)
        }
    }

    @Test("the defaults and the bundled model's choices pass")
    func validOptions() throws {
        try SamplingOptions().check(for: Self.model, width: Self.width)
        var chosen = SamplingOptions()
        chosen.temperature = 1.05
        chosen.holdTemperature = 1
        chosen.topP = 0.98
        chosen.offScaleWeight = 0.1
        try chosen.setPatchOrders([.random, .time, .time])
        try chosen.check(for: Self.model, width: Self.width)
    }

    @Test("the command line names the option by its flag, the configuration by its key")
    func naming() {
        let error = SamplingOptionsError(.topP, "0.0 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class")
        #expect(error.described(naming: error.option.flag) == "--top-p 0.0 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class")
        #expect(error.description == "sampling.top_p 0.0 is outside (0, 1]; use e.g. 0.98, or 1 to keep every class")
        #expect(SamplingOptionsError.Option.iterations.flag == "--iters")
        #expect(SamplingOptionsError.Option.holdTemperature.flag == "--hold-temperature")
        #expect(SamplingOptionsError.Option.offScaleWeight.configurationKey == "sampling.off_scale_weight")
    }

    @Test("per level: a MAR level's iterations and patch order; nil for an AR level")
    func levels() throws {
        var options = SamplingOptions(numIterList: [32, 8])
        try options.setPatchOrders([.random, .time])
        let types: [GeneratorType] = [.mar, .ar, .mar]
        #expect(options.level(0, of: types) == SamplingOptions.MARLevel(iterations: 32, patchOrder: .random))
        #expect(options.level(1, of: types) == nil)
        #expect(options.level(2, of: types) == SamplingOptions.MARLevel(iterations: 8, patchOrder: .time))
        #expect(options.marLevels == [SamplingOptions.MARLevel(iterations: 32, patchOrder: .random),
                                      SamplingOptions.MARLevel(iterations: 8, patchOrder: .time)])
        try options.setPatchOrders([])
        #expect(options.level(2, of: types)?.patchOrder == .random, "no orders: random at every level")
        #expect(options.drawsInTrainingOrder)
    }

    @Test("the num_iter_list view keeps each remaining level's patch order; a level it adds draws at random")
    func iterationListView() throws {
        var options = SamplingOptions(numIterList: [32, 8, 4])
        try options.setPatchOrders([.time, .random, .time])
        options.numIterList = [16, 2]
        #expect(options.marLevels == [SamplingOptions.MARLevel(iterations: 16, patchOrder: .time),
                                      SamplingOptions.MARLevel(iterations: 2, patchOrder: .random)])
        options.numIterList = [16, 2, 2, 1]
        #expect(options.patchOrders == [.time, .random, .random, .random])
        #expect(options.numIterList == [16, 2, 2, 1])
    }

    @Test("patch orders need one entry per MAR level; the levels are left as they were")
    func patchOrdersForTooFewLevels() {
        var options = SamplingOptions()
        let error = SamplingOptionsError(.patchOrder, "[random, time] has 2 entries for 3 MAR levels; give one per MAR level, "
                                         + "e.g. [random, time, time], or none for random order everywhere")
        #expect(throws: error) { try options.setPatchOrders([.random, .time]) }
        #expect(error.description.hasPrefix("sampling.patch_order [random, time] has 2 entries"))
        #expect(options == SamplingOptions())
    }
}
