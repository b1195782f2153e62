import Foundation
import Engine
import NN
import PianoRoll

extension FractalGenerativeModel {
    /// Generates `count` rolls of the model's width.
    ///
    /// - Parameters:
    ///   - labels: one style label per roll (label 0 for all when nil).
    ///   - known: cells to keep (continuation, inpainting); output cells marked known are
    ///     exactly the given ones, and the rest is generated around them.
    ///   - options: iterations, guidance, temperature, the seed, … (checked with
    ///     ``SamplingOptions/check(for:width:)``).
    ///   - onProgress: called with the canvas after each level-0 step.
    ///   - isCancelled: asked after each level-0 step; when it answers `true`, sampling stops
    ///     and throws ``SamplingError/cancelled``.
    /// - Returns: `count` rolls of `128 × width` cell codes, pitch-major.
    /// - Throws: `SamplingError` when a setting or the known content does not fit the model.
    public func sample(count: Int, labels: [Int32]? = nil, known: KnownContent? = nil, options: SamplingOptions,
                       onProgress: ((SamplingProgress) -> Void)? = nil,
                       isCancelled: (() -> Bool)? = nil) throws(SamplingError) -> [[UInt8]] {
        let rollCells = PianoRoll.pitchCount * width
        guard count > 0 else { throw SamplingError("count \(count) must be at least 1") }
        let labels = labels ?? Array(repeating: 0, count: count)
        guard labels.count == count else { throw SamplingError("\(labels.count) labels for \(count) rolls; give one label per roll") }
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= config.numClasses }) {
            throw SamplingError("label \(bad) is outside 0..<\(config.numClasses); use a label the model was trained with")
        }
        // A list for a model with more MAR levels works here: entries past this model's are unused.
        var options = options
        let marLevels = config.generatorTypes.prefix(levels.layers.count).filter { $0 == .mar }.count
        if options.numIterList.count > marLevels { options.numIterList = Array(options.numIterList.prefix(marLevels)) }
        do {
            try options.check(for: config, width: width)
        } catch {
            throw SamplingError(error.description)
        }
        if let known {
            guard known.cells.count == count * rollCells, known.mask.count == count * rollCells else {
                throw SamplingError("known content holds \(known.cells.count) cells and \(known.mask.count) flags; \(count) rolls of 128 × \(width) need \(count * rollCells) of each")
            }
            let maxCode = UInt8(Int(PianoRoll.Cell.firstOnsetCode) + config.velocityBins - 1)
            if let index = known.cells.indices.first(where: { known.mask[$0] && known.cells[$0] > maxCode }) {
                throw SamplingError("known cell \(index) has code \(known.cells[index]), above the highest code \(maxCode) for \(config.velocityBins) velocity bins")
            }
        }

        let wasTraining = isTraining
        setTraining(false)
        defer { setTraining(wasTraining) }
        let startCells = known.map { k in zip(k.cells, k.mask).map { $1 ? $0 : 0 } } ?? [UInt8](repeating: 0, count: count * rollCells)
        let startKnown = known?.mask ?? [Bool](repeating: false, count: count * rollCells)
        let seams = options.redrawSeams ? SeamPass(width: width, patch: levels.layers[0].geometry.patch) : nil
        var run = SamplingRun(options: options, rng: Engine.RandomGenerator(seed: options.seed), onProgress: onProgress,
                              isCancelled: isCancelled,
                              width: width, passes: seams == nil ? 1 : 2,
                              continuity: NoteContinuity(cells: startCells, decided: startKnown, width: width),
                              key: KeyGuide(cells: startCells, decided: startKnown, width: width, weight: options.offScaleWeight))
        var canvas = Canvas(items: count, cells: startCells, known: startKnown,
                            pitchOrigins: [Int](repeating: 0, count: count), rollIndices: Array(0..<(count * rollCells)))
        let classes = levels.layers[0].classEmbedding!
        let branchLabels = run.guided ? labels + Array(repeating: Int32(config.numClasses), count: count) : labels
        Engine.withoutGradients {
            let conditions = classes.embedding(indices: branchLabels, indexShape: [branchLabels.count, 1])
            fill(level: 0, conditions: conditions, canvas: &canvas, run: &run)
            if let seams, !run.isStopped { redrawSeams(seams, conditions: conditions, canvas: &canvas, known: startKnown, run: &run) }
        }
        if run.isStopped { throw .cancelled }
        return (0..<count).map { Array(canvas.cells[($0 * rollCells)..<(($0 + 1) * rollCells)]) }
    }

    /// The seam pass: draws the cells of `canvas` beside level 0's patch borders again, with
    /// the rolls shifted so that every border lies inside a patch (cells in `known` stay).
    func redrawSeams(_ seams: SeamPass, conditions: Tensor, canvas: inout Canvas, known: [Bool], run: inout SamplingRun) {
        var pass = seams.canvas(cells: canvas.cells, known: known, items: canvas.items)
        run.continuity = NoteContinuity(cells: pass.cells, decided: pass.known, width: width)
        run.key = KeyGuide(cells: pass.cells, decided: pass.known, width: width, weight: run.options.offScaleWeight)
        let firstPass = canvas.cells
        run.pass = 1
        run.rollsOfCanvas = { cells in
            var merged = firstPass
            seams.merge(cells, into: &merged)
            return merged
        }
        fill(level: 0, conditions: conditions, canvas: &pass, run: &run)
        seams.merge(pass.cells, into: &canvas.cells)
    }

    /// Fills the unknown cells of `canvas` (items of level `k`'s input) given their conditions.
    func fill(level k: Int, conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
        guard k < levels.layers.count else {
            fillCells(conditions: conditions, canvas: &canvas, run: &run)
            return
        }
        let level = levels.layers[k]
        switch level.type {
        case .mar: fillMAR(level: level, conditions: conditions, canvas: &canvas, run: &run)
        case .ar: fillAR(level: level, conditions: conditions, canvas: &canvas, run: &run)
        }
    }

    /// Patch features of every item, repeated for the null branch when guided.
    func branchFeatures(_ canvas: Canvas, geometry: LevelGeometry, token: Int? = nil, branches: Int) -> Tensor {
        let single = token.map { features.patchFeatures(canvas.cells, items: canvas.items, geometry: geometry, token: $0) }
            ?? features.patchFeatures(canvas.cells, items: canvas.items, geometry: geometry)
        return branches == 1 ? single : Tensor.concatenate([single, single], alongAxis: 0)
    }

    /// Generates the chosen patches through the next level and writes them into the canvas.
    func generate(picks: [PatchReference], conditions: Tensor, level: GeneratorLevel,
                          canvas: inout Canvas, run: inout SamplingRun) {
        let geometry = level.geometry
        var patches = Canvas(items: picks.count, cells: geometry.extract(canvas.cells, picks: picks),
                             known: geometry.extract(canvas.known, picks: picks),
                             pitchOrigins: geometry.pitchOrigins(of: picks, itemOrigins: canvas.pitchOrigins),
                             rollIndices: geometry.extract(canvas.rollIndices, picks: picks))
        fill(level: level.level + 1, conditions: conditions, canvas: &patches, run: &run)
        geometry.insert(patches.cells, picks: picks, into: &canvas.cells)
    }
}

/// Items of one level being generated: their cells, which cells are known, the lowest
/// pitch each item covers, and where each cell lies in the rolls being generated.
struct Canvas {
    var items: Int
    var cells: [UInt8]
    var known: [Bool]
    var pitchOrigins: [Int]
    /// The index of each cell in the `count × 128 × width` rolls of the `sample` call.
    var rollIndices: [Int]

    /// The pitch origins of the items of every guidance branch (the items repeat per branch).
    func branchPitchOrigins(_ branches: Int) -> [Int] {
        branches == 1 ? pitchOrigins : Array([[Int]](repeating: pitchOrigins, count: branches).joined())
    }
}

/// The state of one `sample` call: the options, the random stream, the current guidance.
struct SamplingRun {
    let options: SamplingOptions
    var rng: Engine.RandomGenerator
    let onProgress: ((SamplingProgress) -> Void)?
    /// Asked after each level-0 step whether to stop.
    let isCancelled: (() -> Bool)?
    /// Whether `isCancelled` answered `true`: the levels stop drawing.
    var isStopped = false
    let width: Int
    /// Level-0 passes over the rolls: 1, or 2 with the seam pass.
    let passes: Int
    /// The pass running (0 first).
    var pass = 0
    /// The rolls a level-0 canvas stands for (the seam pass's canvas is shifted).
    var rollsOfCanvas: ([UInt8]) -> [UInt8] = { $0 }
    /// The guidance strength at the current level-0 step.
    var cfg: Double
    /// The cells decided so far, which rule out sustains that would continue nothing.
    var continuity: NoteContinuity
    /// The pitch classes of the notes decided so far, which make notes outside the scale rarer.
    var key: KeyGuide

    init(options: SamplingOptions, rng: Engine.RandomGenerator, onProgress: ((SamplingProgress) -> Void)?,
         isCancelled: (() -> Bool)?, width: Int, passes: Int, continuity: NoteContinuity, key: KeyGuide) {
        self.options = options
        self.rng = rng
        self.onProgress = onProgress
        self.isCancelled = isCancelled
        self.width = width
        self.passes = passes
        self.cfg = options.cfg
        self.continuity = continuity
        self.key = key
    }

    var guided: Bool { options.isGuided }
    var branches: Int { guided ? 2 : 1 }

    /// The scores of a cell's state (silent, sustain, onset) from its conditional logits and
    /// the null branch's, through the state draw's processors in order: guidance, note
    /// continuity, the key prior, temperature (the hold temperature after a sounding note),
    /// the nucleus.
    func stateScores(_ logits: (conditional: [Float], unconditional: [Float]?), in context: DrawContext) -> DrawScores {
        var context = context
        context.unconditional = logits.unconditional
        let processors: [any LogitProcessor] = [
            ClassifierFreeGuidance(cfg: cfg, filterThreshold: options.filterThreshold),
            continuity,
            key,
            TemperatureScaling(temperature: options.temperature, holdTemperature: options.holdTemperature),
            Nucleus(topP: options.topP),
        ]
        var scores = DrawScores(logits: logits.conditional)
        for processor in processors { processor.process(&scores, in: context) }
        return scores
    }

    /// The scores of an onset's velocity bin, through the velocity draw's processors in
    /// order: guidance, temperature (never the hold temperature), the nucleus.
    func velocityScores(_ logits: (conditional: [Float], unconditional: [Float]?), in context: DrawContext) -> DrawScores {
        var context = context
        context.unconditional = logits.unconditional
        context.followsSoundingNote = false
        let processors: [any LogitProcessor] = [
            ClassifierFreeGuidance(cfg: cfg, filterThreshold: options.filterThreshold),
            TemperatureScaling(temperature: options.temperature),
            Nucleus(topP: options.topP),
        ]
        var scores = DrawScores(logits: logits.conditional)
        for processor in processors { processor.process(&scores, in: context) }
        return scores
    }

    /// A class drawn from `scores`' weights with the run's random stream.
    mutating func draw(_ scores: DrawScores) -> Int {
        let weights = scores.drawWeights
        let total = weights.reduce(0, +)
        var target = Double(rng.uniform()) * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// Ends a level-0 step: settles the sustains that waited for their previous step, reports
    /// the canvas (the rolls) to `onProgress`, and asks `isCancelled` whether to go on.
    mutating func finishStep(of canvas: inout Canvas, step: Int, steps: Int) {
        continuity.repairOrphans(in: &canvas.cells)
        defer { if isCancelled?() == true { isStopped = true } }
        guard let onProgress else { return }
        let rollCells = PianoRoll.pitchCount * width
        let rolls = rollsOfCanvas(canvas.cells)
        onProgress(SamplingProgress(step: pass * steps + step, steps: passes * steps,
                                    rolls: (0..<canvas.items).map { Array(rolls[($0 * rollCells)..<(($0 + 1) * rollCells)]) }))
    }
}
