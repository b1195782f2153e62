import Foundation
import Engine
import NN
import PianoRoll

extension FractalGenerativeModel {
    /// Sampling at an AR level (as FractalGen's `ar.py`): the level's patches in its scan
    /// order, one per step, each conditioned on those before it through a key/value-cached
    /// decoder and drawn through the next level; fully known patches are skipped but still
    /// fed to the decoder.
    func fillAR(level: GeneratorLevel, conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
        let geometry = level.geometry
        let tokens = geometry.tokens, items = canvas.items, branches = run.branches
        let decoder = level.makeDecoder(conditions: conditions, pitchOrigins: canvas.branchPitchOrigins(branches))
        for (position, token) in level.scanOrder.enumerated() where !run.isStopped {
            if level.level == 0 { run.cfg = run.options.cfg(atProgress: Double(position + 1) / Double(tokens)) }
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
}
