import Foundation
import FractalModel
import Generation
import MIDIFile
import ModelStore
import NN
import PianoRoll
import StudioCore

/// The entry points the coverage-guided fuzzers drive, one per parser of user input.
///
/// Each takes arbitrary bytes and runs them through the same code a command runs on a user's
/// file. Success and a thrown error are both fine; what a target must never do is crash, hang
/// or allocate without bound. The fuzz executables (`Fuzz/`) call these under libFuzzer, and
/// the test suite replays the committed regression inputs (`Tests/FuzzRegressions/`) and the
/// seed corpora through them, so that a crash once found stays fixed.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `StandardMIDIFile` parsing and MIDI → piano-roll conversion (with grid offset and
    /// 8th-note alignment), then roll → MIDI and back.
    case midi
    /// `SafeTensorsFile` parsing and every typed accessor.
    case safetensors
    /// A YAML configuration through `FractalConfig.parse` (the loader and every rule), then
    /// the cost plan of the configuration it accepts.
    case config
    /// A checkpoint folder (`state.json` and `model.safetensors`) through `TrainedModel.load`,
    /// the one loader of `generate`, `continue`, `inpaint` and `eval --checkpoint`: the state,
    /// its configuration, the weights, and the model built from them.
    case checkpoint
    /// The command line's `--region` text (bars, beats and pitches) through
    /// `RegionSpecification`, resolved in pieces of several lengths and meters, and the
    /// `--pitch-range` text through `PitchRange`.
    case regions
    /// A body of the studio's API: a generation job (`StudioJob`, decoded and turned into its
    /// generation request), a session document (`SessionStore.checkedDocument`) and a piece
    /// (`StudioPiece`, whose roll must give the same piece back).
    case studio

    /// Runs one input; returns normally whether the input was accepted or refused.
    public func run(_ bytes: Data) {
        switch self {
        case .midi: Self.midi(bytes)
        case .safetensors: Self.safetensors(bytes)
        case .config: Self.config(bytes)
        case .checkpoint: Self.checkpoint(bytes)
        case .regions: Self.regions(bytes)
        case .studio: Self.studio(bytes)
        }
    }

    private static func studio(_ bytes: Data) {
        if let job = try? JSONDecoder().decode(StudioJob.self, from: bytes) {
            _ = try? job.request(defaults: SamplingOptions(), seed: 1)
        }
        _ = try? SessionStore.checkedDocument(bytes)
        guard let piece = try? JSONDecoder().decode(StudioPiece.self, from: bytes), let roll = try? piece.roll() else { return }
        guard (try? StudioPiece(roll).roll()) == roll else {
            fatalError("a piece's roll does not give the same roll back through StudioPiece")
        }
    }

    private static func midi(_ bytes: Data) {
        guard let file = try? StandardMIDIFile(data: bytes, fileName: "fuzz.mid") else { return }
        _ = PianoRoll.gridOffset(of: file)
        _ = PianoRoll.eighthNoteAlignment(of: file)
        guard let roll = try? PianoRoll(file) else { return }
        guard let written = try? StandardMIDIFile(data: roll.midiFile().encoded(), fileName: "fuzz-roll.mid") else {
            fatalError("a roll's own MIDI file does not read back")
        }
        _ = try? PianoRoll(written)
    }

    private static func safetensors(_ bytes: Data) {
        guard let file = try? SafeTensorsFile(bytes: bytes, source: "fuzz.safetensors") else { return }
        for name in file.names {
            let shape = try? file.shape(of: name)
            _ = try? file.floats(name, shape: shape)
            _ = try? file.int32s(name, shape: shape)
            _ = try? file.int64s(name, shape: shape)
        }
    }

    private static func config(_ bytes: Data) {
        guard let text = String(data: bytes, encoding: .utf8),
              let loaded = try? FractalConfig.parse(yaml: text, file: "fuzz.yaml") else { return }
        _ = try? FractalPlan(config: loaded.config)
    }

    private static func checkpoint(_ bytes: Data) {
        let (state, weights) = CheckpointInput.split(bytes)
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("fractalmidi-fuzz-\(getpid())", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try state.write(to: folder.appendingPathComponent(Checkpoint.stateFileName))
            try weights.write(to: folder.appendingPathComponent(Checkpoint.modelFileName))
        } catch {
            fatalError("cannot write the fuzz input to \(folder.path): \(error)")
        }
        _ = try? TrainedModel.load(from: folder)
    }
}

extension FuzzTarget {
    /// Bar grids a region is resolved in: an empty piece, 8 bars of 4/4, and 12 bars whose
    /// meter changes (3/4, then 7/8, then 2/2).
    static let regionGrids = [
        RegionBarGrid(steps: 0, timeSignatures: []),
        RegionBarGrid(steps: 128, timeSignatures: []),
        RegionBarGrid(steps: 160, timeSignatures: [
            PianoRoll.TimeSignature(step: 0, numerator: 3, denominator: 4),
            PianoRoll.TimeSignature(step: 48, numerator: 7, denominator: 8),
            PianoRoll.TimeSignature(step: 104, numerator: 2, denominator: 2),
        ]),
    ]

    fileprivate static func regions(_ bytes: Data) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? PitchRange.parse(text, option: "--pitch-range")
        guard let region = try? RegionSpecification(parsing: text) else { return }
        for grid in regionGrids {
            _ = try? region.resolved(in: grid)
        }
    }
}

/// How one fuzz input holds the two files of a checkpoint: a 4-byte little-endian length,
/// then that many bytes of `state.json`, then the weights file.
public enum CheckpointInput {
    /// The state and weights bytes of `bytes` (a too-short input is all state, no weights).
    public static func split(_ bytes: Data) -> (state: Data, weights: Data) {
        let data = Data(bytes)
        guard data.count >= 4 else { return (data, Data()) }
        let length = data.prefix(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let stateEnd = min(data.count, 4 + length)
        return (data.subdata(in: 4..<stateEnd), data.subdata(in: stateEnd..<data.count))
    }

    /// One input made of a checkpoint's two files.
    public static func join(state: Data, weights: Data) -> Data {
        let length = UInt32(state.count)
        return Data((0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }) + state + weights
    }
}
