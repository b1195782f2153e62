import Foundation
import Engine
import NN
import PianoRoll

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

    /// The unnormalised probabilities a head draw uses for `logits`: softmax(logits / t) with
    /// every class outside the nucleus set to 0, where t is `holdTemperature` (when set) for
    /// the state of a cell that `followsSoundingNote` and `temperature` otherwise. The
    /// nucleus is the fewest most probable classes (ties in index order) whose probabilities
    /// add up to at least `topP`.
    public func drawWeights(_ logits: [Float], followsSoundingNote: Bool = false) -> [Double] {
        let scale = 1 / (followsSoundingNote ? holdTemperature ?? temperature : temperature)
        let top = Double(logits.max() ?? 0)
        var weights = logits.map { Foundation.exp((Double($0) - top) * scale) }
        guard topP < 1 else { return weights }
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
        return weights
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

/// Cells that generation must keep: `cells` holds `count × 128 × width` codes
/// (each roll pitch-major, as `PianoRoll.codes`) and `mask` marks the cells that are known.
/// Output cells marked known are bit-for-bit these cells. Continuation marks the first
/// steps of every pitch; inpainting marks everything outside the regions to regenerate.
public struct KnownContent: Sendable, Equatable {
    /// The given cells (only the known ones matter).
    public var cells: [UInt8]
    /// `true` where the cell is known.
    public var mask: [Bool]

    /// Known content from cells and a mask of the same size.
    public init(cells: [UInt8], mask: [Bool]) {
        self.cells = cells
        self.mask = mask
    }

    /// The first `steps` time steps of each 128 × `width` roll known (a continuation prompt).
    public init(prefixOf cells: [UInt8], width: Int, steps: Int) {
        self.cells = cells
        self.mask = (0..<cells.count).map { $0 % width < steps }
    }
}

/// The canvas of level 0 after one of its steps, for animations of the coarse-to-fine process.
public struct SamplingProgress: Sendable {
    /// Level-0 steps done (1 …).
    public let step: Int
    /// Level-0 steps in all.
    public let steps: Int
    /// The rolls so far (`128 × width` codes each); cells not yet generated are silent.
    public let rolls: [[UInt8]]
}

/// Generation that cannot start: one line naming the problem and the fix.
public struct SamplingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong and how to fix it.
    public let message: String
    /// Creates an error with the given message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
    /// Sampling stopped because the caller asked it to (`isCancelled` answered `true`).
    public static let cancelled = SamplingError("sampling was cancelled")
}

/// Classifier-free guidance at the head: u + cfg·(c − u), with FractalGen's filter.
public enum Guidance {
    /// Mixes conditional logits `c` and null-branch logits `u` (one row each):
    /// where the conditional probability is below `filterThreshold`, u is raised to at least
    /// c − max(c) + max(u) so guidance cannot promote a class the condition rules out; then
    /// u + cfg·(c − u). With `cfg` = 1 the result is exactly `c`.
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

extension FractalGenerativeModel {
    /// Generates `count` rolls of the model's width.
    ///
    /// - Parameters:
    ///   - labels: one style label per roll (label 0 for all when nil).
    ///   - known: cells to keep (continuation, inpainting); output cells marked known are
    ///     exactly the given ones, and the rest is generated around them.
    ///   - settings: iterations, guidance, temperature, seed.
    ///   - onProgress: called with the canvas after each level-0 step.
    ///   - isCancelled: asked after each level-0 step; when it answers `true`, sampling stops
    ///     and throws ``SamplingError/cancelled``.
    /// - Returns: `count` rolls of `128 × width` cell codes, pitch-major.
    /// - Throws: `SamplingError` when a setting or the known content does not fit the model.
    public func sample(count: Int, labels: [Int32]? = nil, known: KnownContent? = nil, settings: SamplingSettings,
                       onProgress: ((SamplingProgress) -> Void)? = nil,
                       isCancelled: (() -> Bool)? = nil) throws(SamplingError) -> [[UInt8]] {
        let rollCells = PianoRoll.pitchCount * width
        guard count > 0 else { throw SamplingError("count \(count) must be at least 1") }
        let labels = labels ?? Array(repeating: 0, count: count)
        guard labels.count == count else { throw SamplingError("\(labels.count) labels for \(count) rolls; give one label per roll") }
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= config.numClasses }) {
            throw SamplingError("label \(bad) is outside 0..<\(config.numClasses); use a label the model was trained with")
        }
        let marLevels = config.generatorTypes.prefix(levels.layers.count).filter { $0 == .mar }.count
        guard settings.numIterList.count >= marLevels, settings.numIterList.allSatisfy({ $0 >= 1 }) else {
            throw SamplingError("num_iter_list \(settings.numIterList) needs \(marLevels) entries of at least 1, one per MAR level")
        }
        guard settings.patchOrders.isEmpty || settings.patchOrders.count == marLevels else {
            throw SamplingError("patch_order [\(settings.patchOrders.map(\.rawValue).joined(separator: ", "))] needs \(marLevels) entries, one per MAR level; give one random or time per level, or none for random order everywhere")
        }
        guard settings.temperature > 0, settings.temperature.isFinite else {
            throw SamplingError("temperature \(settings.temperature) must be a positive number; use e.g. 1.0")
        }
        if let hold = settings.holdTemperature, !(hold > 0 && hold.isFinite) {
            throw SamplingError("hold_temperature \(hold) must be a positive number; use e.g. 1.0")
        }
        guard settings.topP > 0, settings.topP <= 1 else {
            throw SamplingError("top_p \(settings.topP) is outside (0, 1]; use 1 to keep every class, or e.g. 0.98")
        }
        guard settings.offScaleWeight > 0, settings.offScaleWeight <= 1 else {
            throw SamplingError("off_scale_weight \(settings.offScaleWeight) is outside (0, 1]; use 1 to leave the model's notes alone, or e.g. 0.1")
        }
        guard settings.cfg.isFinite, settings.cfg >= 0 else { throw SamplingError("cfg \(settings.cfg) must be a number ≥ 0; use 1 for no guidance") }
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
        let seams = settings.redrawsSeams ? SeamPass(width: width, patch: levels.layers[0].geometry.patch) : nil
        var run = SamplingRun(settings: settings, rng: Engine.RandomGenerator(seed: settings.seed), onProgress: onProgress,
                              isCancelled: isCancelled,
                              width: width, passes: seams == nil ? 1 : 2,
                              continuity: NoteContinuity(cells: startCells, decided: startKnown, width: width),
                              key: KeyGuide(cells: startCells, decided: startKnown, width: width, weight: settings.offScaleWeight))
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
    private func redrawSeams(_ seams: SeamPass, conditions: Tensor, canvas: inout Canvas, known: [Bool], run: inout SamplingRun) {
        var pass = seams.canvas(cells: canvas.cells, known: known, items: canvas.items)
        run.continuity = NoteContinuity(cells: pass.cells, decided: pass.known, width: width)
        run.key = KeyGuide(cells: pass.cells, decided: pass.known, width: width, weight: run.settings.offScaleWeight)
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
    private func fill(level k: Int, conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
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
    private func branchFeatures(_ canvas: Canvas, geometry: LevelGeometry, token: Int? = nil, branches: Int) -> Tensor {
        let single = token.map { features.patchFeatures(canvas.cells, items: canvas.items, geometry: geometry, token: $0) }
            ?? features.patchFeatures(canvas.cells, items: canvas.items, geometry: geometry)
        return branches == 1 ? single : Tensor.concatenate([single, single], alongAxis: 0)
    }

    /// Generates the chosen patches through the next level and writes them into the canvas.
    private func generate(picks: [PatchReference], conditions: Tensor, level: GeneratorLevel,
                          canvas: inout Canvas, run: inout SamplingRun) {
        let geometry = level.geometry
        var patches = Canvas(items: picks.count, cells: geometry.extract(canvas.cells, picks: picks),
                             known: geometry.extract(canvas.known, picks: picks),
                             pitchOrigins: geometry.pitchOrigins(of: picks, itemOrigins: canvas.pitchOrigins),
                             rollIndices: geometry.extract(canvas.rollIndices, picks: picks))
        fill(level: level.level + 1, conditions: conditions, canvas: &patches, run: &run)
        geometry.insert(patches.cells, picks: picks, into: &canvas.cells)
    }

    private func fillMAR(level: GeneratorLevel, conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
        let geometry = level.geometry
        let tokens = geometry.tokens, items = canvas.items, branches = run.branches
        let marIndex = config.generatorTypes.prefix(level.level).filter { $0 == .mar }.count
        let steps = run.settings.numIterList[marIndex]
        // Patches whose cells are all known are never masked; the rest start masked, in a
        // fresh random order per item. The masked set is always a prefix of the order, so the
        // end of the order is drawn first.
        let patchOrder = run.settings.patchOrder(ofMARLevel: marIndex)
        var orders: [[Int]] = []
        for item in 0..<items {
            var order = (0..<tokens).filter { !geometry.isPatchFull(canvas.known, item: item, token: $0) }
            order.shuffle(using: &run.rng)
            orders.append(patchOrder == .time ? geometry.drawingEarlierColumnsFirst(order) : order)
        }
        var maskedCounts = orders.map(\.count)
        for step in 0..<steps where !run.isStopped {
            let ratio = step == steps - 1 ? 0 : cos(Double.pi / 2 * Double(step + 1) / Double(steps))
            if level.level == 0 { run.cfg = run.settings.cfg(atProgress: 1 - ratio) }
            var picks: [PatchReference] = []
            var nextCounts = maskedCounts
            for item in 0..<items where maskedCounts[item] > 0 {
                let masked = maskedCounts[item]
                let next = step == steps - 1 ? 0 : max(1, min(masked - 1, Int((Double(orders[item].count) * ratio).rounded(.down))))
                for position in next..<masked { picks.append(PatchReference(item: item, token: orders[item][position])) }
                nextCounts[item] = next
            }
            if !picks.isEmpty {
                var flags = [Bool](repeating: false, count: items * tokens)
                for item in 0..<items {
                    for token in orders[item].prefix(maskedCounts[item]) { flags[item * tokens + token] = true }
                }
                let maskFlags = branches == 1 ? flags : flags + flags
                let outputs = level.encode(conditions: conditions, features: branchFeatures(canvas, geometry: geometry, branches: branches),
                                           masked: maskFlags, pitchOrigins: canvas.branchPitchOrigins(branches),
                                           generator: &run.rng)
                picks.sort { ($0.item, $0.token) < ($1.item, $1.token) }
                let handed = level.handDown(outputs, picks: picks, branches: branches)
                generate(picks: picks, conditions: handed, level: level, canvas: &canvas, run: &run)
            }
            maskedCounts = nextCounts
            if level.level == 0 { run.finishStep(of: &canvas, step: step + 1, steps: steps) }
        }
    }

    private func fillAR(level: GeneratorLevel, conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
        let geometry = level.geometry
        let tokens = geometry.tokens, items = canvas.items, branches = run.branches
        let decoder = level.makeDecoder(conditions: conditions, pitchOrigins: canvas.branchPitchOrigins(branches))
        for (position, token) in level.scanOrder.enumerated() where !run.isStopped {
            if level.level == 0 { run.cfg = run.settings.cfg(atProgress: Double(position + 1) / Double(tokens)) }
            let picks = (0..<items).filter { !geometry.isPatchFull(canvas.known, item: $0, token: token) }
                .map { PatchReference(item: $0, token: token) }
            if !picks.isEmpty {
                var rows: [Int32] = []
                for branch in 0..<branches { rows += picks.map { Int32(branch * items + $0.item) } }
                let handed = decoder.nextCondition.indexSelect(alongAxis: 0, indices: rows)
                    .reshaped([rows.count, 1, level.width])
                generate(picks: picks, conditions: handed, level: level, canvas: &canvas, run: &run)
            }
            if position < tokens - 1 {
                decoder.feed(features: branchFeatures(canvas, geometry: geometry, token: token, branches: branches))
            }
            if level.level == 0 { run.finishStep(of: &canvas, step: position + 1, steps: tokens) }
        }
    }

    /// The head: samples every unknown single-cell item; known cells are copied.
    /// `NoteContinuity` settles each draw, so that a sustain always continues a note.
    private func fillCells(conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
        let cells = canvas.items, branches = run.branches
        let own = conditions.sliced(alongAxis: 1, 0..<1).reshaped([conditions.shape[0], conditions.shape[2]])
        let onset = Array(repeating: Int32(2), count: cells * branches)
        let logits = head.logits(conditions: own, states: onset, generator: &run.rng)
        let stateLogits = logits.state.scalars, velocityLogits = logits.velocity?.scalars ?? []
        let bins = config.velocityBins
        func row(_ values: [Float], _ index: Int, _ width: Int) -> [Float] {
            let c = Array(values[(index * width)..<((index + 1) * width)])
            guard branches == 2 else { return c }
            let u = Array(values[((cells + index) * width)..<((cells + index + 1) * width)])
            return Guidance.mix(conditional: c, unconditional: u, cfg: run.cfg, filterThreshold: run.settings.filterThreshold)
        }
        for cell in 0..<cells where !canvas.known[cell] {
            let position = canvas.rollIndices[cell]
            let logits = run.continuity.restrict(row(stateLogits, cell, 3), at: position)
            let followsNote = run.continuity.continuesNote(at: position)
            let state = run.draw(run.key.restrict(logits, at: position, continuingNote: followsNote), followsSoundingNote: followsNote)
            let bin = state == Int(PianoRoll.Cell.silentCode) ? 0 : run.draw(row(velocityLogits, cell, bins))
            canvas.cells[cell] = run.continuity.settle(state: state, velocityBin: bin, at: position)
            run.key.record(canvas.cells[cell], at: position)
        }
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

/// The state of one `sample` call: settings, the random stream, the current guidance.
struct SamplingRun {
    let settings: SamplingSettings
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

    init(settings: SamplingSettings, rng: Engine.RandomGenerator, onProgress: ((SamplingProgress) -> Void)?,
         isCancelled: (() -> Bool)?, width: Int, passes: Int, continuity: NoteContinuity, key: KeyGuide) {
        self.settings = settings
        self.rng = rng
        self.onProgress = onProgress
        self.isCancelled = isCancelled
        self.width = width
        self.passes = passes
        self.cfg = settings.cfg
        self.continuity = continuity
        self.key = key
    }

    var guided: Bool { settings.isGuided }
    var branches: Int { guided ? 2 : 1 }

    /// A class drawn from softmax(logits / temperature), restricted to the top-p nucleus
    /// (`SamplingSettings.drawWeights(_:followsSoundingNote:)`).
    mutating func draw(_ logits: [Float], followsSoundingNote: Bool = false) -> Int {
        let weights = settings.drawWeights(logits, followsSoundingNote: followsSoundingNote)
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

/// Keeps every generated note whole: in the data a sustain cell always continues the note
/// of the previous step, but a patch's lower levels see its neighbours only through the
/// conditions handed down, so at a patch border the head can draw a sustain where the cell
/// before is silent (a note with no onset, which MIDI export would strike at a default
/// velocity). This tracks every cell of the rolls decided so far (known, or sampled at any
/// level) and settles each draw:
/// - silent is not drawn when the next step of the pitch is already a sustain (the note
///   there must start at or before this cell);
/// - a sustain whose previous step is silent, or that opens a roll, is the model saying that
///   a note sounds here: it becomes an onset, with the velocity the head drew for the cell.
///   Where the previous step is not decided yet, the cell waits until it is
///   (``repairOrphans(in:)``).
struct NoteContinuity {
    private var cells: [UInt8]
    private var decided: [Bool]
    private let width: Int
    /// Sampled sustains whose previous step was undecided when drawn, with their velocity bins.
    private var pending: [(position: Int, velocityBin: Int)] = []

    /// Continuity over rolls of `width` steps whose cells marked in `decided` are fixed.
    init(cells: [UInt8], decided: [Bool], width: Int) {
        self.cells = cells
        self.decided = decided
        self.width = width
    }

    /// State logits (silent, sustain, onset) of the cell at roll index `position`, with
    /// silent set to −∞ when the next step of the pitch is a decided sustain.
    func restrict(_ logits: [Float], at position: Int) -> [Float] {
        var result = logits
        if position % width < width - 1 && decided[position + 1] && cells[position + 1] == PianoRoll.Cell.sustainCode {
            result[Int(PianoRoll.Cell.silentCode)] = -.infinity
        }
        return result
    }

    /// Whether a decided note sounds at the step before roll index `position` (a sustain
    /// there continues it).
    func continuesNote(at position: Int) -> Bool {
        position % width > 0 && decided[position - 1] && cells[position - 1] != PianoRoll.Cell.silentCode
    }

    /// The code of the cell at roll index `position` for a drawn `state` (0 silent, 1 sustain,
    /// 2 onset) and the velocity bin drawn beside it, now decided: a sustain that cannot
    /// continue a note is an onset.
    mutating func settle(state: Int, velocityBin: Int, at position: Int) -> UInt8 {
        let onset = PianoRoll.Cell.firstOnsetCode + UInt8(velocityBin)
        var code = state == 2 ? onset : UInt8(state)
        if code == PianoRoll.Cell.sustainCode {
            if position % width == 0 || (decided[position - 1] && cells[position - 1] == PianoRoll.Cell.silentCode) {
                code = onset
            } else if !decided[position - 1] {
                pending.append((position, velocityBin))
            }
        }
        cells[position] = code
        decided[position] = true
        return code
    }

    /// Turns the waiting sustains whose previous step is now decided silent into onsets in
    /// `rolls` (the `sample` call's rolls); those whose previous step is still open wait on.
    mutating func repairOrphans(in rolls: inout [UInt8]) {
        pending.removeAll { entry in
            let before = entry.position - 1
            guard decided[before] else { return false }
            if cells[before] == PianoRoll.Cell.silentCode {
                let onset = PianoRoll.Cell.firstOnsetCode + UInt8(entry.velocityBin)
                cells[entry.position] = onset
                rolls[entry.position] = onset
            }
            return true
        }
    }
}

/// Keeps generated notes in their piece's key: the network holds a key only loosely (a
/// continuation puts about a fifth of its notes outside its context's scale, real music a
/// twentieth), so each roll counts the pitch classes of its decided onsets (known, or sampled)
/// and, once it has ``minimumNotes``, takes the major scale holding most of them as its key
/// (the twelve major scales are also the natural minor ones) and multiplies the probability of
/// a new note outside it by `weight` (``SamplingSettings/offScaleWeight``).
struct KeyGuide {
    /// The decided onsets a roll needs before its scale guides the draws.
    static let minimumNotes = 16

    private let width: Int
    private let penalty: Float
    /// Onsets per pitch class, 12 per roll.
    private var counts: [Int]
    /// The scale of each roll as a 12-bit set of pitch classes (0 while it has too few notes).
    private var scales: [UInt16]

    /// A guide over rolls of `width` steps starting from the onsets among `cells` marked in
    /// `decided`; a `weight` of 1 changes nothing.
    init(cells: [UInt8], decided: [Bool], width: Int, weight: Double) {
        self.width = width
        penalty = weight < 1 ? Float(Foundation.log(max(weight, 1e-12))) : 0
        let rolls = cells.count / (PianoRoll.pitchCount * width)
        counts = [Int](repeating: 0, count: rolls * 12)
        scales = [UInt16](repeating: 0, count: rolls)
        guard penalty != 0 else { return }
        for (position, code) in cells.enumerated() where decided[position] && code >= PianoRoll.Cell.firstOnsetCode {
            counts[pitchClassSlot(position)] += 1
        }
        for roll in 0..<rolls { updateScale(of: roll) }
    }

    private func pitchClassSlot(_ position: Int) -> Int {
        let rollCells = PianoRoll.pitchCount * width
        return position / rollCells * 12 + (position % rollCells) / width % 12
    }

    /// The pitch classes of the major scale on C (C D E F G A B) as a 12-bit set; the scale on
    /// pitch class `k` is this set rotated by `k`.
    static let majorScale: UInt16 = 0b1010_1011_0101

    private mutating func updateScale(of roll: Int) {
        let row = Array(counts[(roll * 12)..<(roll * 12 + 12)])
        guard row.reduce(0, +) >= Self.minimumNotes else { return }
        var best: (notes: Int, scale: UInt16) = (-1, 0)
        for tonic in 0..<12 {
            let scale = ((Self.majorScale << UInt16(tonic)) | (Self.majorScale >> UInt16(12 - tonic))) & 0xFFF
            let notes = (0..<12).reduce(0) { scale & (1 << UInt16($1)) != 0 ? $0 + row[$1] : $0 }
            if notes > best.notes { best = (notes, scale) }
        }
        scales[roll] = best.scale
    }

    /// State logits (silent, sustain, onset) of the cell at roll index `position`, with a new
    /// note made `weight` times as likely when its pitch class is outside its roll's scale: the
    /// onset, and the sustain unless it is `continuingNote` (a decided note sounds at the
    /// previous step), since a sustain with nothing before it becomes a note too.
    func restrict(_ logits: [Float], at position: Int, continuingNote: Bool) -> [Float] {
        guard penalty != 0 else { return logits }
        let slot = pitchClassSlot(position)
        let scale = scales[slot / 12]
        guard scale != 0, scale & (1 << UInt16(slot % 12)) == 0 else { return logits }
        var result = logits
        result[2] += penalty
        if !continuingNote { result[1] += penalty }
        return result
    }

    /// Counts the cell at `position` now decided as `code`.
    mutating func record(_ code: UInt8, at position: Int) {
        guard penalty != 0, code >= PianoRoll.Cell.firstOnsetCode else { return }
        let slot = pitchClassSlot(position)
        counts[slot] += 1
        updateScale(of: slot / 12)
    }
}
