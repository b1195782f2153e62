import Foundation
import FractalModel
import ModelStore
import PianoRoll

/// The music of a training run, decoded through the roll cache: the training songs and, when
/// the configuration names validation data, the validation songs.
public struct TrainerData: Sendable {
    /// The training songs.
    public let train: DecodedDataset
    /// The validation songs (nil when `data.val_data` is unset).
    public let validation: DecodedDataset?

    /// Data given directly (tests, tools that already hold decoded songs).
    public init(train: DecodedDataset, validation: DecodedDataset?) {
        self.train = train
        self.validation = validation
    }

    /// Decodes `config.data.train_data` and `config.data.val_data` through the cache in
    /// `config.data.cache_dir` (default: ``RollCache/defaultDirectory(environment:currentDirectory:)``)
    /// with the model's velocity bins. The validation set uses the training set's style labels.
    public static func load(config: FractalConfig, progress: Bool = true) throws(TrainerError) -> TrainerData {
        guard let trainPath = config.data.trainData else {
            throw .setting("no training data: set data.train_data in the configuration or pass --train-data LIST_OR_FOLDER")
        }
        do throws(DataError) {
            let train = try decode(trainPath, title: "training data", config: config, styles: nil, progress: progress)
            let validation = try config.data.valData.map { path throws(DataError) in
                try decode(path, title: "validation data", config: config, styles: train.styles, progress: progress)
            }
            return TrainerData(train: train, validation: validation)
        } catch {
            throw .data(error)
        }
    }

    /// Decodes the music at `path` (a file list, a folder or a MIDI file) through the cache of
    /// `config` with its model's velocity bins, numbering style labels by `styles` (a model's
    /// classes; a label not among them is an error) or, when nil, by the labels found.
    /// `title` names the data in progress lines.
    public static func decode(_ path: String, title: String, config: FractalConfig, styles: [String]?,
                              progress: Bool = true) throws(DataError) -> DecodedDataset {
        let directory = config.data.cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? RollCache.defaultDirectory()
        let cache = RollCache(directory: directory, options: PianoRoll.ConversionOptions(velocityBins: config.model.velocityBins))
        let dataset = try MusicDataset(path: path, styles: styles)
        return try cache.load(dataset, progress: progress ? ProgressReporter(title: title, total: dataset.items.count) : nil)
    }
}

/// Why training could not start or go on. Each description is one line naming the problem
/// and the fix.
public enum TrainerError: Error, CustomStringConvertible {
    /// A setting that cannot work.
    case setting(String)
    /// The music could not be read.
    case data(DataError)
    /// A checkpoint or log could not be read, written or used.
    case checkpoint(CheckpointError)

    public var description: String {
        switch self {
        case .setting(let message): return message
        case .data(let error): return error.description
        case .checkpoint(let error): return error.description
        }
    }
}
