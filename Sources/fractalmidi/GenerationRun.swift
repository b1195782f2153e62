import AudioRendering
import Engine
import Foundation
import FractalModel
import Generation
import Imaging
import ModelStore
import PianoRoll
import Training

/// Runs a generation command: turns its arguments into a ``GenerationRequest``, runs the
/// ``GenerationPipeline`` with a progress line, prints what the pipeline notes, and writes each
/// piece's MIDI, PNG, animation and (with `--wav`) audio.
struct GenerationRun {
    let model: TrainedModel
    let arguments: GenerationArguments

    /// The largest number of animation frames (the last one is held longer).
    static let maximumFrames = 60

    /// Draws `request` with this command's options and writes the pieces as `<name>-<k>.*`,
    /// with `outlinedRegions` outlined in the pictures.
    func run(_ request: GenerationRequest, name: String, outlinedRegions: [PianoRollRenderer.Region] = []) throws {
        let folder = URL(fileURLWithPath: arguments.output, isDirectory: true)
        try Self.prepareFolder(folder)
        Engine.setThreadCount(arguments.threads ?? ThreadPool.availableCores)
        let request = try arguments.completing(request, for: model)
        var reporter: ProgressReporter?
        var frames = [[[UInt8]]](repeating: [], count: request.count)
        let result = try GenerationPipeline(model: model).run(request, onProgress: { progress in
            if reporter == nil { reporter = ProgressReporter(title: "sampling", total: progress.totalSteps, unit: "steps") }
            reporter?.advance()
            for (index, roll) in (progress.rolls ?? []).enumerated() { frames[index].append(roll) }
        })
        reporter?.finish()
        for note in result.notes { print(note) }
        var written: [String] = []
        for (index, piece) in result.pieces.enumerated() {
            let stem = folder.appendingPathComponent("\(name)-\(index + 1)")
            written += try Self.write(piece, frames: arguments.noAnimation ? nil : frames[index],
                                      regions: outlinedRegions, stem: stem, wav: arguments.wav)
        }
        print("seed \(request.seed); wrote \(written.joined(separator: ", "))")
    }

    /// Checks what can be checked before the model loads: the output folder (created when
    /// missing) and, with `--wav`, the synthesizer.
    static func checkOutputs(of arguments: GenerationArguments) throws(OutputError) {
        try prepareFolder(URL(fileURLWithPath: arguments.output, isDirectory: true))
        if arguments.wav {
            do {
                try FluidSynth.checkAvailable(for: "--wav needs")
            } catch {
                throw .synthesizerMissing("\(error) or leave out --wav")
            }
        }
    }

    /// Creates `folder` when missing and checks that files can be written there.
    static func prepareFolder(_ folder: URL) throws(OutputError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .unwritable("\(folder.path): is a file, not a folder; choose an output folder with -o")
            }
        } else {
            do {
                try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw .unwritable("\(folder.path): cannot create the output folder (\(Self.reason(error))); choose a folder you can write to with -o")
            }
        }
        guard manager.isWritableFile(atPath: folder.path) else {
            throw .unwritable("\(folder.path): the output folder is not writable; choose a folder you can write to with -o")
        }
    }

    /// Writes `<stem>.mid`, `.png`, `.gif` (when `frames` is given) and `.wav`; returns the names.
    static func write(_ roll: PianoRoll, frames: [[UInt8]]?, regions: [PianoRollRenderer.Region], stem: URL,
                      wav: Bool) throws(OutputError) -> [String] {
        let midi = stem.appendingPathExtension("mid")
        let png = stem.appendingPathExtension("png")
        var written: [String] = []
        do {
            try roll.writeMIDI(to: midi)
            written.append(midi.path)
            let renderer = PianoRollRenderer(try PianoRollRenderer.Options(scale: 2, outlinedRegions: regions))
            try renderer.render(roll).writePNG(to: png)
            written.append(png.path)
            if let frames, !frames.isEmpty {
                let gif = stem.appendingPathExtension("gif")
                try animation(of: roll, frames: frames, regions: regions).write(to: gif)
                written.append(gif.path)
            }
        } catch {
            throw .unwritable("\(stem.path): cannot write the outputs (\(error)); check the folder's permissions and free space")
        }
        if wav {
            let audio = stem.appendingPathExtension("wav")
            do {
                try FluidSynth.render(midi: midi, to: audio)
            } catch {
                throw .unwritable(error.description)
            }
            written.append(audio.path)
        }
        return written
    }

    /// The coarse-to-fine animation: up to ``maximumFrames`` of `frames`, evenly chosen, then
    /// the finished piece held for two seconds, all over the finished piece's pitch range.
    static func animation(of roll: PianoRoll, frames: [[UInt8]], regions: [PianoRollRenderer.Region])
        throws -> AnimatedGIF {
        let scale = roll.steps > 512 ? 1 : 2
        let pitchRange = try PianoRollRenderer(PianoRollRenderer.Options(scale: scale, outlinedRegions: regions))
            .layout(for: roll).pitchRange
        let renderer = PianoRollRenderer(try PianoRollRenderer.Options(scale: scale, pitchRange: pitchRange,
                                                                       outlinedRegions: regions))
        let chosen = frames.count <= maximumFrames
            ? frames
            : (0..<maximumFrames).map { frames[$0 * frames.count / maximumFrames] }
        let last = try renderer.render(roll)
        var gif = AnimatedGIF(width: last.width, height: last.height)
        for codes in chosen {
            let frame = try PianoRoll(steps: roll.steps, velocityBins: roll.velocityBins, codes: codes,
                                      tempoMap: roll.tempoMap, timeSignatures: roll.timeSignatures)
            gif.append(try renderer.render(frame), delay: .milliseconds(80))
        }
        gif.append(last, delay: .seconds(2))
        return gif
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// A generation command's output that cannot be written: one line naming the file, the
/// problem and the fix.
enum OutputError: Error, CustomStringConvertible {
    /// An output could not be written.
    case unwritable(String)
    /// `--wav` without FluidSynth or its soundfont.
    case synthesizerMissing(String)

    var description: String {
        switch self {
        case .unwritable(let message), .synthesizerMissing(let message): message
        }
    }
}
