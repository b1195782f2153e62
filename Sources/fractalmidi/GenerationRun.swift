import Engine
import Foundation
import FractalModel
import Imaging
import PianoRoll
import Training

/// What one generation command asks for: a piece with some cells given (known) and the rest
/// to generate, and how its outputs are named.
struct GenerationJob {
    /// The file name stem: outputs are `<name>-<k>.mid`, `.png`, `.gif`, `.wav`, k from 1.
    var name: String
    /// The piece: its length, tempo map and time signatures, and the given cells (the cells
    /// `known` does not mark are ignored).
    var piece: PianoRoll
    /// A flag per cell of `piece` (pitch-major), `true` where the cell is kept.
    var known: [Bool]
    /// Regions outlined in the PNG (the inpainted ones).
    var outlinedRegions: [PianoRollRenderer.Region] = []

    /// How many steps later the model draws the piece: when the known notes sit a 16th off
    /// the beat, their 8th-note grid moves onto the even steps, as the model saw its training
    /// music (roll rule 6, ``PianoRoll/EighthNoteAlignment``, counted on the known onsets); 0
    /// when few or no notes are known. The outputs are moved back, so kept notes stay where
    /// the input has them and new ones share their grid.
    var modelDelaySteps: Int {
        let steps = piece.steps
        let onsets = piece.codes.indices.lazy
            .filter { known[$0] && piece.codes[$0] >= PianoRoll.Cell.firstOnsetCode }
            .map { $0 % steps }
        return PianoRoll.EighthNoteAlignment(onsetSteps: onsets).delaySteps
    }
}

/// Rolls (pitch-major, `steps` steps per pitch) moved `delay` steps later for the model, and
/// moved back.
struct RollDelay {
    /// Steps per pitch of the rolls before the move.
    let steps: Int
    /// Steps the rolls move later.
    let delay: Int

    /// `values` with `padding` in the `delay` steps that now open each pitch row.
    func later<Value>(_ values: [Value], padding: Value) -> [Value] {
        guard delay > 0 else { return values }
        var result: [Value] = []
        result.reserveCapacity(values.count / steps * (steps + delay))
        for row in stride(from: 0, to: values.count, by: steps) {
            result += repeatElement(padding, count: delay)
            result += values[row..<(row + steps)]
        }
        return result
    }

    /// Moved rolls (`steps + delay` steps per pitch) with their first `delay` steps dropped.
    func back<Value>(_ values: [Value]) -> [Value] {
        guard delay > 0 else { return values }
        var result: [Value] = []
        result.reserveCapacity(values.count / (steps + delay) * steps)
        for row in stride(from: 0, to: values.count, by: steps + delay) {
            result += values[(row + delay)..<(row + delay + steps)]
        }
        return result
    }
}

/// Runs a ``GenerationJob`` with a model: samples the unknown cells window by window (pieces
/// longer than the model's width continue themselves, DESIGN §5), shows a progress line, and
/// writes each piece's MIDI, PNG, animation and (with `--wav`) audio.
struct GenerationRun {
    let model: GenerationModel
    let arguments: GenerationArguments

    /// The largest number of animation frames (the last one is held longer).
    static let maximumFrames = 60

    func run(_ job: GenerationJob) throws(GenerationError) {
        let folder = URL(fileURLWithPath: arguments.output, isDirectory: true)
        try Self.prepareFolder(folder)
        let seed = arguments.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        Engine.setThreadCount(arguments.threads ?? ThreadPool.availableCores)
        let settings = try arguments.settings(for: model, seed: seed)
        guard model.config.model.velocityBins == job.piece.velocityBins else {
            throw .invalidInput("the input roll has \(job.piece.velocityBins) velocity bins but the model \(model.config.model.velocityBins)")
        }

        let rolls = try sample(job, settings: settings)
        var written: [String] = []
        for (index, roll) in rolls.pieces.enumerated() {
            let stem = folder.appendingPathComponent("\(job.name)-\(index + 1)")
            written += try Self.write(roll, frames: arguments.noAnimation ? nil : rolls.frames[index],
                                      regions: job.outlinedRegions, stem: stem, wav: arguments.wav)
        }
        print("seed \(seed); wrote \(written.joined(separator: ", "))")
    }

    /// The generated pieces and, per piece, the frames of the coarse-to-fine process.
    private func sample(_ job: GenerationJob, settings: SamplingSettings) throws(GenerationError)
        -> (pieces: [PianoRoll], frames: [[[UInt8]]]) {
        let piece = job.piece, count = arguments.count
        let width = model.model.width
        let delay = RollDelay(steps: piece.steps, delay: job.modelDelaySteps)
        if delay.delay > 0 {
            print("8th-note grid: the input's notes sit a 16th off its beats; the model draws the piece \(delay.delay) "
                  + "step\(delay.delay == 1 ? "" : "s") later, and the output keeps the input's timing")
        }
        let cells = delay.later(piece.codes, padding: PianoRoll.Cell.silentCode)
        let known = delay.later(job.known, padding: true)
        let unknownSteps = Self.unknownSteps(known, steps: piece.steps + delay.delay)
        let plan: LongPiecePlan
        do {
            plan = try LongPiecePlan(pieceSteps: piece.steps + delay.delay, width: width, overlap: width / 2, unknownSteps: unknownSteps)
        } catch {
            throw .invalidInput(error.description)
        }
        var reporter: ProgressReporter?
        var frames: [[[UInt8]]] = Array(repeating: [], count: count)
        let labels = [Int32](repeating: Int32(try model.styleClass(arguments.style)), count: count)
        let windows = plan.windows.count
        let pieces: [[UInt8]]
        do throws(SamplingError) {
            pieces = try LongPieceGeneration.run(
                plan: plan,
                cells: Array(repeating: cells, count: count),
                known: Array(repeating: known, count: count),
                onFrame: arguments.noAnimation ? nil : { rolls in
                    for (index, roll) in rolls.enumerated() { frames[index].append(delay.back(roll)) }
                },
                sampleWindow: { input, frame throws(SamplingError) in
                    var windowSettings = settings
                    windowSettings.seed = settings.seed &+ UInt64(input.index) &* 0x9E37_79B9_7F4A_7C15
                    return try model.model.sample(
                        count: count, labels: labels, known: KnownContent(cells: input.cells, mask: input.known),
                        settings: windowSettings,
                        onProgress: { progress in
                            if reporter == nil {
                                reporter = ProgressReporter(title: "sampling", total: progress.steps * windows, unit: "steps")
                            }
                            reporter?.advance()
                            frame(progress.rolls)
                        })
                })
        } catch {
            throw .invalidInput("cannot sample with this model: \(error.description)")
        }
        reporter?.finish()
        var tempoMap = piece.tempoMap
        if let bpm = arguments.bpm { tempoMap = [PianoRoll.TempoChange(step: 0, beatsPerMinute: bpm)] }
        let dynamics = PieceDynamicsChoice(job: job, model: model, styleClass: Int(labels.first ?? 0), seed: settings.seed)
        if let note = dynamics.note { print(note) }
        var rolls: [PianoRoll] = []
        for (index, drawn) in pieces.enumerated() {
            var codes = delay.back(drawn)
            dynamics.impose(onPiece: index, codes: &codes, known: job.known, velocityBins: piece.binning)
            do {
                rolls.append(try PianoRoll(steps: piece.steps, velocityBins: piece.velocityBins, codes: codes,
                                           tempoMap: tempoMap, timeSignatures: piece.timeSignatures))
            } catch {
                throw .invalidInput("the model produced an invalid roll (\(error)); check that it was trained with \(piece.velocityBins) velocity bins")
            }
        }
        return (rolls, frames)
    }

    /// The steps holding a cell to generate: from the first to the last (empty when all are known).
    static func unknownSteps(_ known: [Bool], steps: Int) -> Range<Int> {
        var first = steps, last = -1
        for (index, isKnown) in known.enumerated() where !isKnown {
            let step = index % steps
            first = min(first, step)
            last = max(last, step)
        }
        return last < 0 ? 0..<0 : first..<(last + 1)
    }

    /// Checks what can be checked before the model loads: the output folder (created when
    /// missing) and, with `--wav`, the synthesizer.
    static func checkOutputs(of arguments: GenerationArguments) throws(GenerationError) {
        try prepareFolder(URL(fileURLWithPath: arguments.output, isDirectory: true))
        if arguments.wav { try AudioRendering.checkAvailable() }
    }

    /// Creates `folder` when missing and checks that files can be written there.
    static func prepareFolder(_ folder: URL) throws(GenerationError) {
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
                      wav: Bool) throws(GenerationError) -> [String] {
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
            try AudioRendering.render(midi: midi, to: audio)
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
