import Foundation
import FractalModel

/// A trained model ready to generate with: the network with its weights, its configuration
/// (whose `sampling:` section holds the default sampling options), the names of its style
/// classes, the style to use when none is asked for, and the dynamics of its training music.
///
/// ``load(from:)`` is the one way the commands open a model (`generate`, `continue`,
/// `inpaint`, `eval --checkpoint`); the trainer builds one from the model it is training for
/// its previews. Nothing here needs the training code.
public struct TrainedModel {
    /// The folder of the bundled default model, relative to the repository root.
    public static let bundledPath = "models/default"

    /// The network, with its weights.
    public let model: FractalGenerativeModel
    /// Its configuration.
    public let config: FractalConfig
    /// The checkpoint folder it was loaded from (nil for a model held in memory).
    public let directory: URL?
    /// The names of its style classes (class `i` is `styles[i]`; empty when unnamed).
    public let styles: [String]
    /// The style to use when none is asked for (the style of most training songs).
    public let defaultStyle: String?
    /// The dynamics of its training music, per style (nil for checkpoints written before the
    /// table existed: their pieces keep the velocities drawn).
    public let dynamics: DynamicsTable?

    /// A model held in memory (the trainer's, for previews).
    public init(model: FractalGenerativeModel, config: FractalConfig, directory: URL? = nil, styles: [String] = [],
                defaultStyle: String? = nil, dynamics: DynamicsTable? = nil) {
        self.model = model
        self.config = config
        self.directory = directory
        self.styles = styles
        self.defaultStyle = defaultStyle
        self.dynamics = dynamics
    }

    /// Loads the model at `location` (a training run folder, whose best checkpoint is used, or
    /// a checkpoint folder), or the bundled one when `location` is nil.
    /// - Throws: ``ModelLoadingError`` when there is no checkpoint or its weights do not fit its
    ///   configuration — never an untrained model.
    public static func load(from location: URL?) throws(ModelLoadingError) -> TrainedModel {
        let folder: URL
        if let location {
            guard FileManager.default.fileExists(atPath: location.path) else { throw .noSuchFolder(location.path) }
            folder = location
        } else {
            guard let bundled = bundledLocation() else { throw .noBundledModel }
            folder = bundled
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.load(from: folder, choosing: .best)
        } catch {
            throw .checkpoint(error)
        }
        // The configuration decides how much memory the model takes before any weight is read:
        // refuse one that needs more parameters than its weights file holds, so that a damaged
        // or hostile state.json cannot ask for terabytes.
        let stored = checkpoint.model.tensors.values.reduce(0) { $0 + $1.values.count }
        if let planned = try? FractalPlan(config: checkpoint.config).totalParameters, planned > stored {
            throw .weightsDoNotFit(checkpoint: checkpoint.directory.path,
                                   detail: "its configuration needs \(planned) parameters but \(Checkpoint.modelFileName) holds \(stored) values")
        }
        let model = FractalGenerativeModel(config: checkpoint.config, seed: 0)
        do {
            try model.load(stateDict: checkpoint.model)
        } catch {
            throw .weightsDoNotFit(checkpoint: checkpoint.directory.path, detail: "\(error)")
        }
        return TrainedModel(model: model, config: checkpoint.config, directory: checkpoint.directory,
                            styles: checkpoint.state.styles ?? [], defaultStyle: checkpoint.state.defaultStyle,
                            dynamics: checkpoint.state.dynamics)
    }

    /// The bundled model's folder: `models/default` in the current folder or above the
    /// executable (the repository root of a build), if there.
    public static func bundledLocation() -> URL? {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(bundledPath)]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent(bundledPath))
            folder = folder.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The class of the default style: the class named ``defaultStyle``, else class 0.
    public var defaultStyleClass: Int {
        defaultStyle.flatMap { styles.firstIndex(of: $0) } ?? 0
    }

    /// The class index of `style` (a style name or a class index), or ``defaultStyleClass``
    /// when nil.
    /// - Throws: ``StyleError`` when `style` names no class of the model.
    public func styleClass(_ style: String?) throws(StyleError) -> Int {
        guard let style else { return defaultStyleClass }
        if let index = styles.firstIndex(of: style) { return index }
        let classes = config.model.numClasses
        let named = styles.isEmpty ? "" : " (\(styles.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", ")))"
        guard let index = Int(style) else {
            throw StyleError(message: "--style \(style) is not a style of this model; use one of its styles"
                + (named.isEmpty ? " by class index (0 ..< \(classes))" : named))
        }
        guard (0..<classes).contains(index) else {
            throw StyleError(message: "--style \(style) is not a class of this model, which has \(classes) (0 ..< \(classes))\(named); use one of those")
        }
        return index
    }

    /// The name of style class `index` (nil when the model's styles are unnamed).
    public func styleName(ofClass index: Int) -> String? {
        styles.indices.contains(index) ? styles[index] : nil
    }
}

/// A model that cannot be loaded: one line naming the problem and the fix.
public enum ModelLoadingError: Error, CustomStringConvertible, Equatable {
    /// The folder given does not exist.
    case noSuchFolder(String)
    /// No folder was given and the bundled model is not where it is looked for.
    case noBundledModel
    /// The folder holds no readable checkpoint.
    case checkpoint(CheckpointError)
    /// The weights do not fit the checkpoint's model configuration.
    case weightsDoNotFit(checkpoint: String, detail: String)

    public var description: String {
        switch self {
        case .noSuchFolder(let path):
            "\(path): no such folder; pass a training run folder or one of its checkpoint folders"
        case .noBundledModel:
            "no --model given and the bundled default model (\(TrainedModel.bundledPath)/) is not in the current "
                + "folder or above this fractalmidi; run it from the repository or pass a model with --model DIR"
        case .checkpoint(let error):
            error.description
        case .weightsDoNotFit(let checkpoint, let detail):
            "\(checkpoint): the weights do not fit the checkpoint's model config (\(detail)); use a checkpoint written by `fractalmidi train`"
        }
    }
}

/// A style that is not one of the model's: one line naming the styles it has.
public struct StyleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong and how to fix it.
    public let message: String
    /// An error with `message`.
    public init(message: String) { self.message = message }
    public var description: String { message }
}
