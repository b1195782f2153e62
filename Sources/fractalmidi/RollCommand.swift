import ArgumentParser
import Foundation
import Generation
import Imaging
import MIDIFile
import PianoRoll

/// `fractalmidi roll FILE -o OUT.png`: a picture of a MIDI file's piano roll, and optionally
/// the quantised roll written back as MIDI.
struct RollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roll",
        abstract: "Draw a MIDI file's piano roll as a PNG (and optionally write the quantised roll as MIDI).",
        discussion: """
            Low pitches are at the bottom, time runs left to right; colour shows velocity (dark \
            blue = soft, green, red = loud) and each note's first step is drawn brighter than its \
            sustain. A faint grid marks beats and bars. Unless --pitch-range is given, the picture \
            is cropped to the pitches played.
            """
    )

    @Argument(help: "The MIDI file to draw.", completion: .file(extensions: ["mid", "midi"]))
    var file: String

    @Option(name: .shortAndLong, help: "Where to write the PNG.")
    var output: String

    @Option(help: "Also write the quantised roll as a MIDI file here.")
    var mid: String?

    @Option(help: "Integer upscaling: pixels per step and per pitch (1…\(PianoRollRenderer.Options.allowedScales.upperBound)).")
    var scale = 2

    @Option(help: "Pitches to draw, as LOW-HIGH note numbers or names (e.g. 48-72 or C3-C5); default: the pitches played.")
    var pitchRange: String?

    @OptionGroup var conversion: ConversionArguments

    func run() throws {
        let range = try pitchRange.map { text in try PitchRange.parse(text, option: "--pitch-range") }
        let roll = try PianoRoll(contentsOf: URL(fileURLWithPath: file), options: conversion.options)
        let renderer = PianoRollRenderer(try PianoRollRenderer.Options(scale: scale, pitchRange: range))
        let image = try renderer.render(roll)
        try image.writePNG(to: URL(fileURLWithPath: output))
        var written = ["\(output) (\(image.width)×\(image.height))"]
        if let mid {
            try roll.writeMIDI(to: URL(fileURLWithPath: mid))
            written.append(mid)
        }
        print("wrote \(written.joined(separator: ", "))")
    }
}
