import ArgumentParser
import Foundation
import FractalModel
import Generation
import ModelStore

/// The options `generate`, `continue` and `inpaint` share: the model, the sampling knobs and
/// the outputs.
struct GenerationArguments: ParsableArguments {
    @Option(help: "A training run folder or a checkpoint folder (default: the bundled model in models/default/).",
            completion: .directory)
    var model: String?

    @Option(help: "How many pieces to write (1…64).")
    var count = 1

    @Option(help: "The style to condition on: a style name of the model (the bundled one knows pop and bach) or a class index (default: the style of most of the model's training songs).")
    var style: String?

    @Option(help: "Classifier-free guidance strength; 1 is none (default: the model config's sampling.cfg).")
    var cfg: Double?

    @Option(help: "Divides the logits: below 1 is safer, above 1 wilder; where a note sounds at the step before, --hold-temperature does instead when it is set (default: the config's sampling.temperature).")
    var temperature: Double?

    @Option(name: .customLong("hold-temperature"), help: "Divides the logits where a note sounds at the step before (hold it, end it, strike it again); 1 keeps the model's note lengths (default: the config's sampling.hold_temperature, or else the temperature).")
    var holdTemperature: Double?

    @Option(name: .customLong("top-p"), help: "Nucleus sampling: each cell keeps its most probable choices (state, velocity bin) adding up to this; 0 < p ≤ 1, 1 keeps all (default: the config's sampling.top_p).")
    var topP: Double?

    @Option(name: .customLong("off-scale-weight"), help: "How likely a new note outside the piece's key is, as a factor on the model's probability: 0 < w ≤ 1, 1 leaves the model alone (default: the config's sampling.off_scale_weight).")
    var offScaleWeight: Double?

    @Flag(inversion: .prefixedNo, help: "Draw the cells beside the model's patch borders in time (every 16 steps in the bundled model) again in a second pass, so that notes carry across them; --no-redraw-seams is about a seventh faster (default: the config's sampling.redraw_seams).")
    var redrawSeams: Bool?

    @Option(help: "MAR iterations per MAR level, top first, e.g. 64,16,16 (default: the config's sampling.num_iter_list).")
    var iters: String?

    @Option(name: .customLong("patch-order"), help: "The order each MAR level draws its patches in, top first: random or time (earlier steps first), e.g. random,time,time (default: the config's sampling.patch_order, or else random at every level).")
    var patchOrder: String?

    @Option(help: "The random seed; the same seed and settings give the same music (default: a random seed, printed).")
    var seed: UInt64?

    @Option(help: "Tempo of the written MIDI in beats per minute (default: the input's tempo, or 120).")
    var bpm: Double?

    @Option(name: .shortAndLong, help: "The folder to write into (created if missing).", completion: .directory)
    var output = "."

    @Flag(help: "Do not write the animated GIF of the coarse-to-fine process.")
    var noAnimation = false

    @Option(help: "Compute threads (default: every core).")
    var threads: Int?

    @Flag(help: "Also render a WAV with FluidSynth (needs the fluidsynth and timgm6mb-soundfont Debian packages).")
    var wav = false

    func validate() throws {
        guard (1...64).contains(count) else {
            throw ValidationError("--count \(count) is outside 1…64; ask for between 1 and 64 pieces")
        }
        do {
            try values(over: SamplingOptions()).checkValues()
        } catch {
            throw ValidationError(error.described(naming: error.option.flag))
        }
        try ComputeThreads.validate(threads)
        if let bpm, !(bpm.isFinite && bpm >= 1 && bpm <= 1000) {
            throw ValidationError("--bpm \(bpm) is outside 1…1000; use e.g. 120")
        }
        _ = try iterationList()
        _ = try patchOrders()
    }

    /// `--iters` as numbers, or nil when not given.
    func iterationList() throws -> [Int]? {
        guard let iters else { return nil }
        let numbers = iters.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--iters '\(iters)' is not a list of positive whole numbers; write e.g. 64,16,16")
        }
        return numbers.compactMap { $0 }
    }

    /// `--patch-order` as orders, or nil when not given.
    func patchOrders() throws -> [PatchOrder]? {
        guard let patchOrder else { return nil }
        let orders = patchOrder.split(separator: ",", omittingEmptySubsequences: false)
            .map { PatchOrder(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        guard orders.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--patch-order '\(patchOrder)' is not a list of random and time; write e.g. random,time,time")
        }
        return orders.compactMap { $0 }
    }

    /// `request` with these options: the count, style, seed (a random one when `--seed` is
    /// not given), tempo and sampling options (these flags over the model's `sampling:`
    /// section), and intermediate rolls when the animation is written.
    func completing(_ request: GenerationRequest, for model: TrainedModel) throws(InputError) -> GenerationRequest {
        var request = request
        request.count = count
        request.style = style
        request.seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        request.beatsPerMinute = bpm
        request.reportsIntermediateRolls = !noAnimation
        request.sampling = try sampling(for: model)
        return request
    }

    /// These flags over `options` (a model's `sampling:` section), except `--patch-order`,
    /// whose count only the model's levels can check (``sampling(for:)``).
    func values(over options: SamplingOptions) -> SamplingOptions {
        var options = options
        if let cfg { options.cfg = cfg }
        if let temperature { options.temperature = temperature }
        if let holdTemperature { options.holdTemperature = holdTemperature }
        if let topP { options.topP = topP }
        if let offScaleWeight { options.offScaleWeight = offScaleWeight }
        if let redrawSeams { options.redrawSeams = redrawSeams }
        if let list = try? iterationList() { options.numIterList = list }
        return options
    }

    /// The sampling options for `model`, checked against it, with a message naming the flag
    /// (or the configuration key, for a value the flags left alone).
    func sampling(for model: TrainedModel) throws(InputError) -> SamplingOptions {
        var options = values(over: model.config.sampling)
        do {
            if let orders = try? patchOrders() { try options.setPatchOrders(orders) }
            try options.check(for: model.config.model, width: model.model.width)
        } catch {
            let flagged: Bool = switch error.option {
            case .iterations: iters != nil
            case .patchOrder: patchOrder != nil
            default: true
            }
            throw InputError(error.described(naming: flagged ? error.option.flag : error.option.configurationKey))
        }
        return options
    }
}

/// An option that does not fit the model: one line naming it, the problem and the fix.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The length options of `generate` and `continue`: `--bars N` or `--steps N`.
struct LengthArguments: ParsableArguments {
    @Option(help: "Length in bars (of the time signature: 16 steps in 4/4).")
    var bars: Int?

    @Option(help: "Length in 16th-note steps.")
    var steps: Int?

    func validate() throws {
        if bars != nil, steps != nil {
            throw ValidationError("--bars and --steps both given; use one of them")
        }
        if let bars, !(1...4096).contains(bars) {
            throw ValidationError("--bars \(bars) is outside 1…4096; ask for at least one bar")
        }
        if let steps, !(1...65_536).contains(steps) {
            throw ValidationError("--steps \(steps) is outside 1…65536; ask for at least one step")
        }
    }
}
