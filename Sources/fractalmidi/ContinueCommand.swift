import ArgumentParser
import Foundation
import Generation
import PianoRoll

/// `fractalmidi continue INPUT.mid --bars N`: the input kept as it is, with N bars appended.
struct ContinueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continue",
        abstract: "Continue a MIDI file for some bars with a trained model, keeping the input exactly.",
        discussion: """
            Writes <input>-continued-<k>.mid, .png, .gif and (with --wav) .wav into the output \
            folder. Bars have the length of the input's last time signature; the default is 4 bars. \
            The input's tempo map is kept unless --bpm is given.
            """
    )

    @Argument(help: "The MIDI file to continue.", completion: .file(extensions: ["mid", "midi"]))
    var input: String

    @OptionGroup var length: LengthArguments
    @OptionGroup var generation: GenerationArguments

    func run() throws {
        try GenerationRun.checkOutputs(of: generation)
        var roll = try GenerationInput.roll(input)
        let model = try GenerationInput.model(generation.model)
        if roll.velocityBins != model.config.model.velocityBins { roll = try GenerationInput.roll(input, for: model) }
        let added = length.steps ?? RegionBarGrid(roll).stepsOfBars(continuing: length.bars ?? 4)
        print(Self.describe(added: added, bars: length.steps == nil ? length.bars ?? 4 : nil, of: roll))
        try GenerationRun(model: model, arguments: generation)
            .run(try GenerationRequest.continuation(of: roll, addingSteps: added),
                 name: GenerationInput.name(of: input, suffix: "continued"))
    }

    /// What is appended, in the input's own bars and in beats: many files declare a meter
    /// other than the music's (most POP909 files say 1/4), so the beats make it unambiguous.
    static func describe(added steps: Int, bars: Int?, of roll: PianoRoll) -> String {
        let beats = Double(steps) / Double(PianoRoll.stepsPerBeat)
        let beatText = beats == beats.rounded() ? "\(Int(beats))" : String(format: "%.2f", beats)
        guard let bars, let meter = roll.timeSignatures.last else { return "appending \(steps) steps (\(beatText) beats)" }
        return "appending \(bars) bar\(bars == 1 ? "" : "s") of the input's \(meter.numerator)/\(meter.denominator) (\(beatText) beats)"
    }
}
