import Foundation
import Engine
import NN
import PianoRoll

extension FractalGenerativeModel {
    /// The head: draws every unknown single-cell item (known cells stay). A cell's state
    /// goes through ``SamplingRun/stateScores(_:in:)`` and its velocity bin through
    /// ``SamplingRun/velocityScores(_:in:)``, the ordered logit processors of a draw;
    /// `NoteContinuity` then settles the draw, so that a sustain always continues a note.
    func fillCells(conditions: Tensor, canvas: inout Canvas, run: inout SamplingRun) {
        let cells = canvas.items, branches = run.branches
        let own = conditions.sliced(alongAxis: 1, 0..<1).reshaped([conditions.shape[0], conditions.shape[2]])
        let onset = Array(repeating: Int32(2), count: cells * branches)
        let logits = head.logits(conditions: own, states: onset, generator: &run.rng)
        let stateLogits = logits.state.scalars, velocityLogits = logits.velocity?.scalars ?? []
        let bins = config.velocityBins
        /// Row `index` of `values` (`width` per cell), with the null branch's row when guided.
        func row(_ values: [Float], _ index: Int, _ width: Int) -> (conditional: [Float], unconditional: [Float]?) {
            let c = Array(values[(index * width)..<((index + 1) * width)])
            guard branches == 2 else { return (c, nil) }
            return (c, Array(values[((cells + index) * width)..<((cells + index + 1) * width)]))
        }
        for cell in 0..<cells where !canvas.known[cell] {
            let position = canvas.rollIndices[cell]
            let context = DrawContext(position: position, followsSoundingNote: run.continuity.continuesNote(at: position))
            let state = run.draw(run.stateScores(row(stateLogits, cell, 3), in: context))
            let bin = state == Int(PianoRoll.Cell.silentCode) ? 0 : run.draw(run.velocityScores(row(velocityLogits, cell, bins), in: context))
            canvas.cells[cell] = run.continuity.settle(state: state, velocityBin: bin, at: position)
            run.key.record(canvas.cells[cell], at: position)
        }
    }
}
