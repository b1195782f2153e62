import Foundation
import FractalModel
import ModelStore
import NN

/// Writing checkpoints, which only training does; reading them (``Checkpoint/load(from:choosing:)``)
/// lives with the model files.
extension CheckpointStore {
    /// Saves a numbered checkpoint of `model` and `optimizer` at `state.step`, points
    /// `latest` at it, and removes all but the newest `keepLast` numbered checkpoints.
    @discardableResult
    public func save(model: any Layer, optimizer: AdamW, state: CheckpointState, keepLast: Int) throws(CheckpointError) -> URL {
        let name = Self.folderName(step: state.step)
        let folder = directory.appendingPathComponent(name, isDirectory: true)
        try write(model: model, optimizer: optimizer, state: state, to: folder)
        do {
            try DataFile.write(Data((name + "\n").utf8), to: directory.appendingPathComponent(Self.latestFileName))
        } catch {
            throw .unwritable(file: directory.appendingPathComponent(Self.latestFileName).path, reason: error.description)
        }
        for step in savedSteps().dropLast(max(1, keepLast)) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(Self.folderName(step: step)))
        }
        return folder
    }

    /// Saves the best checkpoint (`best/`), replacing the previous best.
    @discardableResult
    public func saveBest(model: any Layer, optimizer: AdamW, state: CheckpointState) throws(CheckpointError) -> URL {
        try write(model: model, optimizer: optimizer, state: state, to: bestDirectory)
        return bestDirectory
    }

    /// Writes a checkpoint into a temporary folder beside `folder` and renames it to `folder`,
    /// replacing an older one there.
    private func write(model: any Layer, optimizer: AdamW, state: CheckpointState, to folder: URL) throws(CheckpointError) {
        let manager = FileManager.default
        let temporary = directory.appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).tmp", isDirectory: true)
        do {
            try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(file: temporary.path, reason: Checkpoint.reason(error))
        }
        do throws(CheckpointError) {
            var weights = SafeTensorsFile(metadata: ["format": "fractalmidi-model", "step": String(state.step)])
            model.exportParameters(into: &weights)
            var moments = SafeTensorsFile(metadata: ["format": "fractalmidi-adamw", "step": String(state.step)])
            optimizer.exportState(into: &moments)
            let stateData: Data
            do {
                stateData = try state.stateJSON()
            } catch {
                throw .unwritable(file: folder.appendingPathComponent(Checkpoint.stateFileName).path, reason: Checkpoint.reason(error))
            }
            do {
                try weights.write(to: temporary.appendingPathComponent(Checkpoint.modelFileName))
                try moments.write(to: temporary.appendingPathComponent(Checkpoint.optimizerFileName))
                try DataFile.write(stateData, to: temporary.appendingPathComponent(Checkpoint.stateFileName))
            } catch {
                throw .unwritable(file: folder.path, reason: String(describing: error))
            }
            // Move an older folder of the same name aside first: rename cannot replace a
            // non-empty folder, and the old one must stay whole until the new one is in place.
            var old: URL?
            if manager.fileExists(atPath: folder.path) {
                let aside = directory.appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).old", isDirectory: true)
                guard rename(folder.path, aside.path) == 0 else {
                    throw .unwritable(file: folder.path, reason: String(cString: strerror(errno)))
                }
                old = aside
            }
            guard rename(temporary.path, folder.path) == 0 else {
                let reason = String(cString: strerror(errno))
                if let old { _ = rename(old.path, folder.path) }
                throw .unwritable(file: folder.path, reason: reason)
            }
            if let old { try? manager.removeItem(at: old) }
        } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
    }
}
