import Foundation
import Engine
import FractalModel
import NN

/// The numbers a checkpoint records about the run at its step.
public struct CheckpointMetrics: Sendable, Codable, Equatable {
    /// The mean training loss of the last logged steps.
    public var loss: Double?
    /// The mean training bits per cell of the last logged steps.
    public var bitsPerCell: Double?
    /// The latest validation result in bits per cell.
    public var validationBitsPerCell: Double?
    /// The best validation result so far and its step.
    public var bestValidationBitsPerCell: Double?
    /// The step of ``bestValidationBitsPerCell``.
    public var bestStep: Int?

    /// Metrics; every value is optional (a run without validation data has none).
    public init(loss: Double? = nil, bitsPerCell: Double? = nil, validationBitsPerCell: Double? = nil,
                bestValidationBitsPerCell: Double? = nil, bestStep: Int? = nil) {
        self.loss = loss
        self.bitsPerCell = bitsPerCell
        self.validationBitsPerCell = validationBitsPerCell
        self.bestValidationBitsPerCell = bestValidationBitsPerCell
        self.bestStep = bestStep
    }
}

/// One `section.key` configuration entry in `state.json`.
public struct CheckpointConfigEntry: Sendable, Codable, Equatable {
    /// The `section.key` path.
    public var key: String
    /// Its value.
    public var value: CheckpointConfigValue
}

/// Everything of a run at a step that is not a tensor: the configuration, the step, the random
/// state and the data order (`state.json` of a checkpoint folder), and what generation needs
/// to know of the training music (its styles and dynamics).
///
/// The trainer's random numbers are counter-based: micro-batch `m` of step `s` draws from
/// `RandomGenerator(seed: randomSeed).stream(s).stream(m)`, so the seed and the step are the
/// whole random state. The data order is the sampler state after the last batch used.
public struct CheckpointState: Sendable, Codable, Equatable {
    /// The version of this layout.
    public var formatVersion: Int
    /// Optimizer steps taken.
    public var step: Int
    /// The root of the trainer's random streams.
    public var randomSeed: UInt64
    /// Where the training data stream stands.
    public var sampler: SamplerState
    /// The run's numbers at this step.
    public var metrics: CheckpointMetrics
    /// The run's configuration, every key.
    public var config: [CheckpointConfigEntry]
    /// The names of the model's style classes: class `i` is `styles[i]` (nil when the
    /// training music had no style labels).
    public var styles: [String]?
    /// The style generation uses when none is asked for: the style of most training songs.
    public var defaultStyle: String?
    /// The dynamics of the training music, from which generation draws a new piece's (nil in
    /// checkpoints written before the table existed; their pieces keep the velocities drawn).
    public var dynamics: DynamicsTable?

    /// The layout written by this version.
    public static let currentFormatVersion = 1

    /// A state of `config`'s run at `step`, whose model was trained on `styles` (class order).
    public init(step: Int, randomSeed: UInt64, sampler: SamplerState, metrics: CheckpointMetrics, config: FractalConfig,
                styles: [String]? = nil, defaultStyle: String? = nil, dynamics: DynamicsTable? = nil) {
        formatVersion = Self.currentFormatVersion
        self.step = step
        self.randomSeed = randomSeed
        self.sampler = sampler
        self.metrics = metrics
        self.config = config.checkpointEntries.map { CheckpointConfigEntry(key: $0.path, value: $0.value) }
        self.styles = styles
        self.defaultStyle = defaultStyle
        self.dynamics = dynamics
    }
}

/// Which checkpoint of a run folder to open.
public enum CheckpointChoice: Sendable {
    /// The most recent one (what `--resume` continues).
    case latest
    /// The one with the best validation result (the latest when the run has no validation).
    case best
}

/// A saved model: its configuration and weights, with the optimizer and run state beside them.
///
/// A checkpoint folder (`RUN/checkpoints/step-000100/`, `RUN/checkpoints/best/`) holds
/// `model.safetensors` (the parameters by dotted name), `optimizer.safetensors` (AdamW's
/// moments and step counts) and `state.json` (``CheckpointState``).
public struct Checkpoint: Sendable {
    /// The checkpoint folder.
    public let directory: URL
    /// The run state at the checkpoint.
    public let state: CheckpointState
    /// The run's configuration.
    public let config: FractalConfig
    /// The model parameters.
    public let model: SafeTensorsFile

    /// The model parameters' file name.
    public static let modelFileName = "model.safetensors"
    /// The optimizer state's file name.
    public static let optimizerFileName = "optimizer.safetensors"
    /// The run state's file name.
    public static let stateFileName = "state.json"

    /// Opens the checkpoint at `url`: a checkpoint folder, or a run folder (or its
    /// `checkpoints` folder), from which `choice` picks one.
    /// - Throws: ``CheckpointError/missing(path:)`` when there is none — never an untrained model.
    public static func load(from url: URL, choosing choice: CheckpointChoice = .latest) throws(CheckpointError) -> Checkpoint {
        let directory = try locate(url, choosing: choice)
        let stateURL = directory.appendingPathComponent(stateFileName)
        let state: CheckpointState
        do {
            state = try JSONDecoder.checkpoint.decode(CheckpointState.self, from: Data(contentsOf: stateURL))
        } catch {
            throw .unreadable(file: stateURL.path, reason: Self.reason(error))
        }
        guard state.formatVersion == CheckpointState.currentFormatVersion else {
            throw .unreadable(file: stateURL.path, reason: "format version \(state.formatVersion), this build reads \(CheckpointState.currentFormatVersion)")
        }
        let config: FractalConfig
        do {
            config = try FractalConfig(checkpointEntries: state.config.map { ($0.key, $0.value) }, file: stateURL.path)
        } catch {
            throw .unreadable(file: stateURL.path, reason: error.description)
        }
        let modelURL = directory.appendingPathComponent(modelFileName)
        let model: SafeTensorsFile
        do {
            model = try SafeTensorsFile(contentsOf: modelURL)
        } catch {
            throw .unreadable(file: modelURL.path, reason: error.description)
        }
        return Checkpoint(directory: directory, state: state, config: config, model: model)
    }

    /// The checkpoint folder `url` names (see ``load(from:choosing:)``).
    public static func locate(_ url: URL, choosing choice: CheckpointChoice = .latest) throws(CheckpointError) -> URL {
        let manager = FileManager.default
        if manager.fileExists(atPath: url.appendingPathComponent(stateFileName).path) { return url }
        let folders = [url.appendingPathComponent(CheckpointStore.folderName), url]
        for folder in folders {
            let store = CheckpointStore(directory: folder)
            if choice == .best, manager.fileExists(atPath: store.bestDirectory.appendingPathComponent(stateFileName).path) {
                return store.bestDirectory
            }
            if let latest = store.latestDirectory() { return latest }
        }
        throw .missing(path: url.path)
    }

    /// The optimizer state saved beside the model.
    public func optimizerState() throws(CheckpointError) -> SafeTensorsFile {
        let url = directory.appendingPathComponent(Self.optimizerFileName)
        do {
            return try SafeTensorsFile(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: error.description)
        }
    }

    /// Loads the weights into `model`, whose parameters must match them name for name and
    /// shape for shape.
    public func loadParameters(into model: any Layer) throws(CheckpointError) {
        do {
            try model.importParameters(from: self.model)
        } catch {
            throw .unreadable(file: directory.appendingPathComponent(Self.modelFileName).path, reason: error.description)
        }
    }

    /// Starts `model` from these weights (fine-tuning, `train --init-from`): every tensor of
    /// the checkpoint must be a parameter of `model` with the same shape; the parameters the
    /// checkpoint lacks (those a switch such as `model.pitch_embedding` adds) keep their
    /// initial values. Nothing changes unless every tensor fits.
    /// - Returns: the names of the parameters the checkpoint did not hold.
    public func initializeParameters(of model: any Layer) throws(CheckpointError) -> [String] {
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        var values: [(Tensor, [Float])] = []
        for name in self.model.names {
            guard let parameter = parameters[name] else {
                throw .incompatibleWeights(checkpoint: directory.path, detail: "its tensor '\(name)' is not a parameter of the configured model")
            }
            do {
                values.append((parameter, try self.model.floats(name, shape: parameter.shape)))
            } catch {
                let shape = (try? self.model.shape(of: name)).map { "\($0)" } ?? "another shape"
                throw .incompatibleWeights(checkpoint: directory.path,
                                           detail: "its tensor '\(name)' has shape \(shape), the configured model's \(parameter.shape)")
            }
        }
        for (parameter, source) in values {
            parameter.withUnsafeMutableBufferPointer { target in _ = target.update(fromContentsOf: source) }
        }
        let held = Set(self.model.names)
        return model.namedParameters().map(\.name).filter { !held.contains($0) }
    }

    /// Checks that `config` builds the same model as the checkpoint; `configuration` names it
    /// in the message.
    public func checkModelKeys(of config: FractalConfig, configuration: String) throws(CheckpointError) {
        let differences = config.modelKeyDifferences(from: self.config)
        guard !differences.isEmpty else { return }
        throw .modelMismatch(
            checkpoint: directory.path, configuration: configuration,
            differences: differences.map { "\($0.path) is \($0.mine) there but \($0.theirs) in the checkpoint" })
    }

    /// A short reason for a file error, for one-line messages.
    public static func reason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .keyNotFound(let key, _): return "key \(key.stringValue) is missing"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                return context.debugDescription
            @unknown default: return "\(decoding)"
            }
        }
        if let cocoa = error as? CocoaError, cocoa.code == .fileReadNoSuchFile { return "the file does not exist" }
        return error.localizedDescription
    }
}

extension CheckpointState {
    /// The state as `state.json` holds it: snake_case keys, sorted and indented.
    public func stateJSON() throws -> Data {
        try JSONEncoder.checkpoint.encode(self)
    }
}

extension JSONDecoder {
    /// The decoder of `state.json` (snake_case keys).
    static var checkpoint: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

extension JSONEncoder {
    /// The encoder of `state.json` (snake_case keys, sorted, indented).
    static var checkpoint: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
