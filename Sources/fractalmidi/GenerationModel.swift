import Foundation
import FractalModel
import Training

/// The trained model the generation commands use: a run or checkpoint folder given with
/// `--model`, or the default model bundled in `models/default/` — never an untrained one.
struct GenerationModel {
    /// The folder of the bundled default model, relative to the repository root.
    static let bundledPath = "models/default"

    /// The model, ready to sample.
    let model: FractalGenerativeModel
    /// Its configuration (the `sampling:` section gives the default knobs).
    let config: FractalConfig
    /// The checkpoint folder it was loaded from.
    let directory: URL
    /// The names of its style classes (class `i` is `styles[i]`; empty when unnamed).
    let styles: [String]
    /// The style to use when none is asked for.
    let defaultStyle: String?
    /// The dynamics of its training music, per style (nil for checkpoints written before the
    /// table existed).
    let dynamics: DynamicsTable?

    /// Loads the model `path` names, or the bundled one when `path` is nil.
    /// - Throws: ``GenerationError`` when there is no checkpoint or it does not fit its config.
    static func load(_ path: String?) throws(GenerationError) -> GenerationModel {
        let location: URL
        if let path {
            location = URL(fileURLWithPath: path)
            guard FileManager.default.fileExists(atPath: location.path) else {
                throw .modelMissing("--model \(path): no such folder; pass a training run folder or one of its checkpoint folders")
            }
        } else {
            guard let bundled = bundledLocation() else {
                throw .modelMissing("no --model given and the bundled default model (\(bundledPath)/) is not in the current "
                    + "folder or above this fractalmidi; run it from the repository or pass a model with --model DIR")
            }
            location = bundled
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.load(from: location, choosing: .best)
        } catch {
            throw .modelMissing(error.description)
        }
        let model = FractalGenerativeModel(config: checkpoint.config, seed: 0)
        do {
            try model.load(stateDict: checkpoint.model)
        } catch {
            throw .modelMissing("\(checkpoint.directory.path): the weights do not fit the checkpoint's model config (\(error)); "
                + "use a checkpoint written by `fractalmidi train`")
        }
        return GenerationModel(model: model, config: checkpoint.config, directory: checkpoint.directory,
                               styles: checkpoint.state.styles ?? [], defaultStyle: checkpoint.state.defaultStyle,
                               dynamics: checkpoint.state.dynamics)
    }

    /// The class index of `style` (a style name or a class index), or of the default style
    /// when nil: the style of most training songs, else class 0.
    func styleClass(_ style: String?) throws(GenerationError) -> Int {
        let classes = config.model.numClasses
        let named = styles.isEmpty ? "" : " (\(styles.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", ")))"
        guard let style else { return defaultStyle.flatMap { styles.firstIndex(of: $0) } ?? 0 }
        if let index = styles.firstIndex(of: style) { return index }
        guard let index = Int(style) else {
            throw .invalidInput("--style \(style) is not a style of this model; use one of its styles\(named.isEmpty ? " by class index (0 ..< \(classes))" : named)")
        }
        guard (0..<classes).contains(index) else {
            throw .invalidInput("--style \(style) is not a class of this model, which has \(classes) (0 ..< \(classes))\(named); use one of those")
        }
        return index
    }

    /// The name of style class `index` (nil when the model's styles are unnamed).
    func styleName(ofClass index: Int) -> String? {
        styles.indices.contains(index) ? styles[index] : nil
    }

    /// The bundled model's folder: `models/default` in the current folder or above the
    /// executable (the repository root of a build), if there.
    static func bundledLocation() -> URL? {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(bundledPath)]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent(bundledPath))
            folder = folder.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}

/// A generation command that cannot go on: one line naming the problem and the fix.
enum GenerationError: Error, CustomStringConvertible {
    /// The model is missing or unusable.
    case modelMissing(String)
    /// An input or setting does not fit.
    case invalidInput(String)
    /// An output could not be written.
    case unwritable(String)
    /// `--wav` without FluidSynth or its soundfont.
    case synthesizerMissing(String)

    var description: String {
        switch self {
        case .modelMissing(let message), .invalidInput(let message), .unwritable(let message), .synthesizerMissing(let message):
            message
        }
    }
}
