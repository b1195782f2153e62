import Foundation
import Testing
import FractalModel
import PianoRoll

/// `SamplingOptions.holdTemperature`: the state of a cell that follows a sounding note is
/// drawn at its own temperature, so that `temperature` changes how many notes start without
/// changing how long they last.
@Suite struct HoldTemperatureTests {
    @Test func drawWeightsUseTheHoldTemperatureAfterASoundingNote() {
        let scaling = TemperatureScaling(temperature: 2, holdTemperature: 0.5)
        let logits: [Float] = [1, 0, -1]
        func weights(_ scaling: TemperatureScaling, followsSoundingNote: Bool) -> [Double] {
            var scores = DrawScores(logits: logits)
            scaling.process(&scores, in: DrawContext(position: 0, followsSoundingNote: followsSoundingNote))
            return scores.drawWeights
        }
        let starting = weights(scaling, followsSoundingNote: false), holding = weights(scaling, followsSoundingNote: true)
        #expect(abs(starting[0] / starting[1] - exp(0.5)) < 1e-9)
        #expect(abs(holding[0] / holding[1] - exp(2.0)) < 1e-9)
        // Unset, the temperature divides every draw.
        let plain = TemperatureScaling(temperature: 2)
        #expect(SamplingOptions(numIterList: [1], temperature: 2).holdTemperature == nil)
        #expect(weights(plain, followsSoundingNote: true) == starting)
    }

    /// An untrained model whose head gives every cell the same state logits: sustain 2, the
    /// other states near 0 (the head's last normalisation outputs a constant along the
    /// sustain embedding).
    static func sustainFavouringModel() -> FractalGenerativeModel {
        let model = SamplingTests.model([.mar, .mar, .mar])
        let width = model.head.width
        let sustain = Array(model.head.stateEmbedding.scalars[width..<(2 * width)])
        let squaredLength = sustain.reduce(0) { $0 + $1 * $1 }
        model.head.norm.weight.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = 0 }
        }
        model.head.norm.bias.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = sustain[i] * 2 / squaredLength }
        }
        return model
    }

    /// Sustain cells per onset in the sampled rolls: how many steps a note lasts beyond its first.
    static func sustainsPerOnset(temperature: Double, hold: Double) throws -> Double {
        var settings = SamplingOptions(numIterList: [2, 2, 2], temperature: temperature, seed: 3)
        settings.holdTemperature = hold
        let cells = try sustainFavouringModel().sample(count: 2, options: settings).joined()
        let sustains = cells.filter { $0 == PianoRoll.Cell.sustainCode }.count
        let onsets = cells.filter { $0 >= PianoRoll.Cell.firstOnsetCode }.count
        return Double(sustains) / Double(max(onsets, 1))
    }

    @Test func holdTemperatureSetsNoteLengthsAndTemperatureDoesNot() throws {
        let modelLengths = try Self.sustainsPerOnset(temperature: 1, hold: 1)
        let flattenedHolds = try Self.sustainsPerOnset(temperature: 1, hold: 100)
        let flattenedStarts = try Self.sustainsPerOnset(temperature: 100, hold: 1)
        print("sustains per onset: \(modelLengths) (model), \(flattenedHolds) (hold 100), \(flattenedStarts) (temperature 100)")
        #expect(modelLengths > 2 * flattenedHolds, "a hot hold temperature did not shorten the notes")
        #expect(flattenedStarts > 2 * flattenedHolds, "temperature shortened the notes")
    }

    @Test func badHoldTemperaturesAreRejected() throws {
        let model = SamplingTests.model([.mar, .mar, .mar])
        for hold in [0, -1, .infinity] as [Double] {
            var settings = SamplingOptions(numIterList: [1, 1, 1])
            settings.holdTemperature = hold
            #expect(throws: SamplingError("sampling.hold_temperature \(hold) must be a positive number; use e.g. 1.0")) {
                _ = try model.sample(count: 1, options: settings)
            }
        }
        let config = try FractalConfig.parse(yaml: "sampling:\n  hold_temperature: 0.9\n", file: "a.yaml").config
        #expect(config.sampling.seeded(1).holdTemperature == 0.9)
        #expect(try FractalConfig.parse(yaml: "sampling:\n  hold_temperature: null\n", file: "a.yaml").config.sampling.holdTemperature == nil)
        #expect(try FractalConfig.parse(yaml: "", file: "a.yaml").config.sampling.holdTemperature == nil)
        #expect(throws: ConfigError(file: "a.yaml", key: "sampling.hold_temperature",
                                    message: "sampling.hold_temperature warm is not a finite number; write e.g. hold_temperature: 1.0, or leave it out to use the temperature")) {
            _ = try FractalConfig.parse(yaml: "sampling:\n  hold_temperature: warm\n", file: "a.yaml")
        }
    }
}
