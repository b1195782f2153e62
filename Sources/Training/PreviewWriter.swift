import Foundation
import Imaging
import ModelStore
import PianoRoll

/// Writes a run's previews: each generated roll as `previews/step-N-k.mid` and
/// `previews/step-N-k.png` (k counts from 0), each file written atomically.
public struct PreviewWriter: Sendable {
    /// The previews folder.
    public let folder: URL

    /// The name of the previews folder inside a run folder.
    public static let folderName = "previews"

    /// A writer into `folder` (created when needed).
    public init(folder: URL) {
        self.folder = folder
    }

    /// The base name of preview `index` of `step`: `step-120-0`.
    public static func baseName(step: Int, index: Int) -> String {
        "step-\(step)-\(index)"
    }

    /// Writes `rolls` as the previews of `step`; returns the files written.
    @discardableResult
    public func write(_ rolls: [PianoRoll], step: Int) throws(CheckpointError) -> [URL] {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(file: folder.path, reason: Checkpoint.reason(error))
        }
        let renderer: PianoRollRenderer
        do {
            renderer = try PianoRollRenderer(.init(scale: 2))
        } catch {
            throw .unwritable(file: folder.path, reason: "\(error)")
        }
        var written: [URL] = []
        for (index, roll) in rolls.enumerated() {
            let base = folder.appendingPathComponent(Self.baseName(step: step, index: index))
            let midi = base.appendingPathExtension("mid")
            let png = base.appendingPathExtension("png")
            do {
                try roll.writeMIDI(to: midi)
            } catch {
                throw .unwritable(file: midi.path, reason: "\(error)")
            }
            do {
                try renderer.render(roll).writePNG(to: png)
            } catch {
                throw .unwritable(file: png.path, reason: "\(error)")
            }
            written += [midi, png]
        }
        return written
    }
}
