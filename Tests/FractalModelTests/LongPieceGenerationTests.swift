import Foundation
import FractalModel
import PianoRoll
import Testing
import TestSupport

/// Windowed generation of long pieces with a real (tiny, untrained) model: windows join without
/// gaps or notes played twice, and given cells survive every window.
@Suite("Long-piece generation")
struct LongPieceGenerationTests {
    /// The tiny model of config/train_tiny.yaml (rolls 64 steps wide).
    static func tinyModel() throws -> FractalGenerativeModel {
        let url = SharedData.repositoryRoot.appendingPathComponent("config/train_tiny.yaml")
        return FractalGenerativeModel(config: try FractalConfig.load(contentsOf: url).config, seed: 3)
    }

    /// Runs `plan` with the model and returns the pieces and every window's sampled rolls.
    static func generate(_ model: FractalGenerativeModel, plan: LongPiecePlan, cells: [[UInt8]], known: [[Bool]], seed: UInt64)
        throws -> (pieces: [[UInt8]], windows: [(LongPiecePlan.Window, [[UInt8]])]) {
        var windows: [(LongPiecePlan.Window, [[UInt8]])] = []
        let pieces = try LongPieceGeneration.run(plan: plan, cells: cells, known: known) { input, _ throws(SamplingError) in
            let rolls = try model.sample(count: cells.count, known: KnownContent(cells: input.cells, mask: input.known),
                                         options: SamplingOptions(numIterList: [2, 1, 1], seed: seed &+ UInt64(input.index)))
            windows.append((input.window, rolls))
            return rolls
        }
        return (pieces, windows)
    }

    @Test("every window's output agrees with the stitched piece over the whole window")
    func windowsJoin() throws {
        let model = try Self.tinyModel()
        let steps = 150, width = model.width
        let plan = try LongPiecePlan(pieceSteps: steps, width: width, overlap: width / 2, unknownSteps: 0..<steps)
        #expect(plan.windows.count == 4)
        let empty = [UInt8](repeating: 0, count: 128 * steps)
        let (pieces, windows) = try Self.generate(model, plan: plan, cells: [empty, empty],
                                                  known: [[Bool]](repeating: [Bool](repeating: false, count: 128 * steps), count: 2), seed: 1)
        #expect(windows.count == plan.windows.count)
        for (window, rolls) in windows {
            for (piece, roll) in zip(pieces, rolls) {
                var disagreements = 0
                for pitch in 0..<128 {
                    for step in window.steps where step < steps
                        && piece[pitch * steps + step] != roll[pitch * width + step - window.steps.lowerBound] {
                        disagreements += 1
                    }
                }
                #expect(disagreements == 0, "window \(window.steps) disagrees with the stitched piece in \(disagreements) cells")
            }
        }
        // The stitched piece is a valid roll whose notes never start twice at one cell.
        let roll = try PianoRoll(steps: steps, codes: pieces[0])
        #expect(Set(roll.notes.map { [$0.pitch, $0.step] }).count == roll.notes.count)
        #expect(pieces[0] != pieces[1], "two pieces of one call came out the same")
    }

    @Test("a continuation keeps its prompt bit for bit across windows, and a seed reproduces it")
    func continuationKeepsPrompt() throws {
        let model = try Self.tinyModel()
        let prompt = 40, steps = 40 + 100
        var cells = [UInt8](repeating: 0, count: 128 * steps)
        for step in stride(from: 0, to: prompt, by: 4) {
            cells[(60 + step % 12) * steps + step] = 2 + UInt8(step % 32)
            cells[(60 + step % 12) * steps + step + 1] = 1
        }
        let known = (0..<(128 * steps)).map { $0 % steps < prompt }
        let plan = try LongPiecePlan(pieceSteps: steps, width: model.width, overlap: model.width / 2, unknownSteps: prompt..<steps)
        let first = try Self.generate(model, plan: plan, cells: [cells], known: [known], seed: 4).pieces[0]
        for index in known.indices where known[index] {
            #expect(first[index] == cells[index], "prompt cell \(index) changed")
        }
        let again = try Self.generate(model, plan: plan, cells: [cells], known: [known], seed: 4).pieces[0]
        #expect(first == again)
    }
}
