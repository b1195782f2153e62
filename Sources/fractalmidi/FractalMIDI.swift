import ArgumentParser

/// The `fractalmidi` command: the entry point that dispatches to its subcommands.
@main
struct FractalMIDI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fractalmidi",
        abstract: "Learn piano music from MIDI files and write new music with a fractal generative model.",
        version: "0.1.0",
        subcommands: []
    )
}
