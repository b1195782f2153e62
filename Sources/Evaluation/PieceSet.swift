import Foundation
import PianoRoll

/// The statistics of every MIDI file under a folder: one side (generated or reference) of a
/// set comparison.
public struct PieceSet: Sendable {
    /// The files that were read, sorted by path.
    public var files: [URL]
    /// The statistics of each file of ``files``, in the same order.
    public var statistics: [PieceStatistics]
    /// The number of MIDI files that could not be read and were skipped.
    public var skipped: Int

    /// The MIDI files (`.mid` or `.midi`, any case; symbolic links to files included) under
    /// `folder` and its subfolders, sorted by path.
    public static func midiFiles(under folder: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            return []
        }
        var result: [URL] = []
        for case let file as URL in enumerator where ["mid", "midi"].contains(file.pathExtension.lowercased()) {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue {
                result.append(file)
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// Reads every MIDI file under `folder` (recursively), converted with `options`, and
    /// measures its statistics. A file that cannot be read is skipped: `warn` gets a one-line
    /// message naming it and the reason, and ``skipped`` counts it. `role` ("generated",
    /// "reference") names the set in messages.
    ///
    /// Throws when the folder does not exist, holds no MIDI files, or none of them can be read.
    public init(
        folder: URL, role: String, options: PianoRoll.ConversionOptions = PianoRoll.ConversionOptions(),
        warn: (String) -> Void
    ) throws(EvaluationError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw EvaluationError.folderNotFound(folder, role: role)
        }
        let candidates = Self.midiFiles(under: folder)
        guard !candidates.isEmpty else { throw EvaluationError.noMIDIFiles(folder, role: role) }
        files = []
        statistics = []
        skipped = 0
        for file in candidates {
            do {
                let roll = try PianoRoll(contentsOf: file, options: options)
                files.append(file)
                statistics.append(PieceStatistics(roll))
            } catch {
                skipped += 1
                warn("warning: skipped \(file.path): \(error)")
            }
        }
        guard !statistics.isEmpty else {
            throw EvaluationError.noReadableFiles(folder, role: role, skipped: skipped)
        }
    }
}
