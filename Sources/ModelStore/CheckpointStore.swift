import Foundation
import FractalModel
import NN

/// The checkpoints folder of a run (`RUN/checkpoints`): numbered checkpoints
/// (`step-000100/`), the best by validation (`best/`) and a `latest` file naming the newest.
///
/// Every checkpoint is written whole into a hidden temporary folder and renamed into place,
/// and `latest` is replaced atomically after it, so a crash at any moment leaves the previous
/// checkpoint and pointer intact. After each save only the newest `keepLast` numbered
/// checkpoints remain (`best/` is a separate copy and stays).
public struct CheckpointStore: Sendable {
    /// The `checkpoints` folder.
    public let directory: URL

    /// The name of the checkpoints folder inside a run folder.
    public static let folderName = "checkpoints"
    /// The name of the file naming the newest checkpoint.
    public static let latestFileName = "latest"
    /// The name of the best checkpoint's folder.
    public static let bestFolderName = "best"

    /// The store in `directory` (a run's `checkpoints` folder).
    public init(directory: URL) {
        self.directory = directory
    }

    /// The store of the run folder `run`.
    public init(run: URL) {
        self.init(directory: run.appendingPathComponent(Self.folderName, isDirectory: true))
    }

    /// The folder name of the checkpoint at `step`: `step-000100`.
    public static func folderName(step: Int) -> String {
        "step-" + String(repeating: "0", count: max(0, 6 - String(step).count)) + String(step)
    }

    /// The best checkpoint's folder.
    public var bestDirectory: URL { directory.appendingPathComponent(Self.bestFolderName, isDirectory: true) }

    /// The folder `latest` names, when it names one that holds a checkpoint.
    public func latestDirectory() -> URL? {
        let pointer = directory.appendingPathComponent(Self.latestFileName)
        guard let text = try? String(contentsOf: pointer, encoding: .utf8) else { return nil }
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, !name.contains("/") else { return nil }
        let folder = directory.appendingPathComponent(name, isDirectory: true)
        let state = folder.appendingPathComponent(Checkpoint.stateFileName)
        return FileManager.default.fileExists(atPath: state.path) ? folder : nil
    }

    /// Puts back what a process killed in the middle of a save left behind: a checkpoint
    /// folder moved aside (`.NAME.*.old`) whose replacement never arrived goes back to `NAME`,
    /// one whose replacement did arrive is removed, and unfinished temporary folders
    /// (`.NAME.*.tmp`) are removed. A run calls it before it reads or writes checkpoints.
    /// - Returns: the names of the folders put back.
    @discardableResult
    public func repair() -> [String] {
        let manager = FileManager.default
        let names = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
        var restored: [String] = []
        for name in names.sorted() where name.hasPrefix(".") {
            let path = directory.appendingPathComponent(name).path
            if name.hasSuffix(".old"), let original = Self.originalName(ofHidden: name) {
                let target = directory.appendingPathComponent(original)
                if manager.fileExists(atPath: target.appendingPathComponent(Checkpoint.stateFileName).path) {
                    try? manager.removeItem(atPath: path)
                } else {
                    try? manager.removeItem(at: target)
                    if rename(path, target.path) == 0 { restored.append(original) }
                }
            } else if name.hasSuffix(".tmp") || name.hasSuffix(".partial") {
                try? manager.removeItem(atPath: path)
            }
        }
        return restored
    }

    /// `best` for `.best.<uuid>.old`: the name a hidden aside or temporary folder stands for.
    private static func originalName(ofHidden name: String) -> String? {
        let parts = name.dropFirst().split(separator: ".")
        guard parts.count >= 3 else { return nil }
        return parts.dropLast(2).joined(separator: ".")
    }

    /// The steps of the numbered checkpoints on disk, ascending.
    public func savedSteps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), let step = Int(name.dropFirst(5)), Self.folderName(step: step) == name else { return nil }
            return step
        }.sorted()
    }
}
