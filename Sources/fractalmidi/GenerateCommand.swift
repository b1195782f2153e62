import ArgumentParser
import Foundation
import Generation
import PianoRoll

/// `fractalmidi generate`: new pieces from a trained model.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write new music with a trained model: MIDI, a PNG of the roll and an animation of the coarse-to-fine process.",
        discussion: """
            Writes generated-<k>.mid, .png, .gif (unless --no-animation) and .wav (with --wav) for \
            k = 1 … --count into the output folder. Pieces longer than the model's width are \
            generated in overlapping windows, each continuing the one before. Without --bars or \
            --steps, one window of the model's width is generated (4/4 bars, --bpm or 120 BPM).
            """
    )

    @OptionGroup var length: LengthArguments
    @OptionGroup var generation: GenerationArguments

    func run() throws {
        try GenerationRun.checkOutputs(of: generation)
        let model = try GenerationInput.model(generation.model)
        let steps = length.steps ?? length.bars.map { $0 * 4 * PianoRoll.stepsPerBeat } ?? model.model.width
        let request = try GenerationRequest.newPieces(steps: steps, beatsPerMinute: generation.bpm ?? 120,
                                                      velocityBins: model.config.model.velocityBins)
        try GenerationRun(model: model, arguments: generation).run(request, name: "generated")
    }
}
