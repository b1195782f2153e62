import Foundation
import Testing
import Engine
import NN
import FractalModel

/// End to end: a tiny model memorises one roll, samples it back, and inpaints half of it.
@Suite struct OverfittingTests {
    /// Fraction of cells equal, and fraction of the source's sounding cells whose state
    /// (sustain, or onset of any velocity) is reproduced.
    static func agreement(_ output: [UInt8], _ source: [UInt8], where include: (Int) -> Bool = { _ in true }) -> (cells: Double, notes: Double) {
        var equal = 0, total = 0, notesEqual = 0, notes = 0
        for index in source.indices where include(index) {
            total += 1
            if output[index] == source[index] { equal += 1 }
            if source[index] != 0 {
                notes += 1
                if min(output[index], 2) == min(source[index], 2) { notesEqual += 1 }
            }
        }
        return (Double(equal) / Double(max(total, 1)), Double(notesEqual) / Double(max(notes, 1)))
    }

    @Test func tinyModelMemorisesARollAndSamplesItBack() throws {
        // A model this small gains nothing from threads, and on a loaded machine waiting for
        // pool workers costs more than the work itself.
        let threads = Engine.threadCount
        Engine.setThreadCount(1)
        defer { Engine.setThreadCount(threads) }
        let width = 64
        var config = ModelFixtures.tinyConfig(width: width)
        config.model.labelDropProb = 0
        let model = FractalGenerativeModel(config: config, seed: 1)
        let roll = ModelFixtures.patternRoll(width: width)
        let batch = 2
        let cells = Array([[UInt8]](repeating: roll, count: batch).joined())
        let labels = [Int32](repeating: 0, count: batch)
        let optimizer = AdamW(parameters: model.namedParameters(), configuration: .init(weightDecay: 0))
        let schedule = LearningRateSchedule(peak: 4e-3, minimum: 4e-4, warmupSteps: 20, totalSteps: 400)
        var rng = Engine.RandomGenerator(seed: 2)
        var bits = Double.infinity
        var step = 0
        while step < 400 {
            let result = model.trainingStep(cells: cells, labels: labels, width: width, rng: &rng)
                _ = GradientClipping.clipGlobalNorm(model.namedParameters().map(\.tensor), maxNorm: 3)
            optimizer.step(learningRate: schedule.rate(atStep: step))
            optimizer.zeroGradients()
            step += 1
            if step % 25 == 0 {
                bits = model.evaluationLoss(cells: roll, labels: [0], width: width, seed: 3).bitsPerCell
                print("step \(step): training \(result.bitsPerCell) bits/cell, evaluation \(bits)")
                if bits < 0.015 { break }
            }
        }
        #expect(bits < 0.05, "after \(step) steps the loss is still \(bits) bits per cell")

        let settings = SamplingOptions(numIterList: [8, 4, 4], temperature: 0.05, seed: 4)
        let sampled = try model.sample(count: 1, options: settings)[0]
        let free = Self.agreement(sampled, roll)
        print("sampled back: \(free)")
        #expect(free.cells >= 0.95 && free.notes >= 0.6, "sampling reproduces \(free)")

        // Inpainting: the first half of the time steps known, the second half regenerated.
        let known = KnownContent(prefixOf: roll, width: width, steps: width / 2)
        let inpainted = try model.sample(count: 1, known: known, options: settings)[0]
        let second = Self.agreement(inpainted, roll) { $0 % width >= width / 2 }
        print("inpainted: \(second)")
        #expect(second.cells >= 0.9 && second.notes >= 0.6, "inpainting reproduces \(second)")
        #expect(Self.agreement(inpainted, roll) { $0 % width < width / 2 }.cells == 1)
    }
}
