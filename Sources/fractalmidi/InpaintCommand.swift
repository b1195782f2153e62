import ArgumentParser
import Foundation
import Generation
import PianoRoll

/// `fractalmidi inpaint INPUT.mid --region 3-5:C3-C5`: chosen regions regenerated, the rest kept.
struct InpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inpaint",
        abstract: "Regenerate regions of a MIDI file (bars, optionally pitches) with a trained model, keeping everything else.",
        discussion: """
            A region is START-END in bars numbered from 1, inclusive: 3-5 regenerates bars 3, 4 and 5; \
            9.5 is the middle of bar 9; 3:2-4:4 runs from beat 2 of bar 3 to the end of beat 4 of \
            bar 4. Append :LOW-HIGH to limit the pitches (3-5:C3-C5 or 3-5:48-72). Bar lengths follow \
            the input's time signatures. Every cell outside the regions is kept exactly. Writes \
            <input>-inpainted-<k>.mid, .png (regions outlined), .gif and (with --wav) .wav.
            """
    )

    @Argument(help: "The MIDI file to change.", completion: .file(extensions: ["mid", "midi"]))
    var input: String

    @Option(name: .customLong("region"), help: "A region to regenerate, START-END[:LOW-HIGH] (repeatable).")
    var regions: [String] = []

    @OptionGroup var generation: GenerationArguments

    func validate() throws {
        guard !regions.isEmpty else {
            throw ValidationError("no --region given; name what to regenerate, e.g. --region 3-5 or --region 3-5:C3-C5")
        }
    }

    func run() throws {
        let specifications = try regions.map { text throws(RegionError) in try RegionSpecification(parsing: text) }
        try GenerationRun.checkOutputs(of: generation)
        var roll = try GenerationInput.roll(input)
        let bars = RegionBarGrid(roll)
        let resolved = try specifications.map { specification throws(RegionError) in try specification.resolved(in: bars) }
        let model = try GenerationInput.model(generation.model)
        if roll.velocityBins != model.config.model.velocityBins { roll = try GenerationInput.roll(input, for: model) }
        let outlined = zip(specifications, resolved).map { PianoRollRenderer.Region(steps: $1.steps, pitches: $0.pitches) }
        try GenerationRun(model: model, arguments: generation)
            .run(try GenerationRequest.inpainting(of: roll, regions: resolved),
                 name: GenerationInput.name(of: input, suffix: "inpainted"), outlinedRegions: outlined)
    }
}
