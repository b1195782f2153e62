import Foundation
import Engine
import NN
import PianoRoll

extension FractalGenerativeModel {
    /// Sampling at a MAR level (as FractalGen's `mar.py`): every patch with an unknown cell
    /// starts masked; over the level's iterations a cosine schedule unmasks them in a random
    /// order per item (or, with `patch_order: time`, earlier steps first), and each step
    /// encodes the canvas, hands a condition to every patch it unmasks, and draws those
    /// patches through the next level. At level 0 each step also sets the guidance strength
    /// of its progress and ends with ``SamplingRun/finishStep(of:step:steps:)``.
    func fillMAR(level: GeneratorLevel, conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
        let geometry = level.geometry
        let tokens = geometry.tokens, items = canvas.items, branches = run.branches
        guard let options = run.options.level(level.level, of: config.generatorTypes) else {
            preconditionFailure("level \(level.level) is MAR but the sampling options have no entry for it")
        }
        let steps = options.iterations
        // Patches whose cells are all known are never masked; the rest start masked, in a
        // fresh random order per item. The masked set is always a prefix of the order, so the
        // end of the order is drawn first.
        let patchOrder = options.patchOrder
        var orders: [[Int]] = []
        for item in 0..<items {
            var order = (0..<tokens).filter { !geometry.isPatchFull(canvas.known, item: item, token: $0) }
            order.shuffle(using: &run.rng)
            orders.append(patchOrder == .time ? geometry.drawingEarlierColumnsFirst(order) : order)
        }
        var maskedCounts = orders.map(\.count)
        // The conditions are the same at every step: projected on the first step that encodes.
        var conditionTokens: Tensor?
        for step in 0..<steps where !run.isStopped {
            let ratio = step == steps - 1 ? 0 : cos(Double.pi / 2 * Double(step + 1) / Double(steps))
            if level.level == 0 { run.cfg = run.options.cfg(atProgress: 1 - ratio) }
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
                let tokens = conditionTokens ?? level.conditionTokens(conditions)
                conditionTokens = tokens
                let outputs = level.encode(conditionTokens: tokens, features: branchFeatures(canvas, geometry: geometry, branches: branches),
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
}
