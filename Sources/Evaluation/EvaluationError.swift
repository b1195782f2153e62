import Foundation

/// What can go wrong when evaluating music. Each description is one line naming the file or
/// folder, the problem and the fix.
public enum EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The folder of a set does not exist (or is a file).
    case folderNotFound(URL, role: String)
    /// The folder of a set holds no MIDI files.
    case noMIDIFiles(URL, role: String)
    /// None of the MIDI files of a set could be read.
    case noReadableFiles(URL, role: String, skipped: Int)
    /// Baseline entropy was asked of rolls without a single cell.
    case noCells
    /// Rolls coded with different numbers of velocity bins were pooled.
    case velocityBinsMismatch(Int, Int)
    /// A report could not be written.
    case writeFailed(URL, reason: String)

    public var description: String {
        switch self {
        case .folderNotFound(let folder, let role):
            return "\(role) folder \(folder.path) does not exist or is not a folder; pass a folder of .mid files"
        case .noMIDIFiles(let folder, let role):
            return "\(role) folder \(folder.path) contains no .mid or .midi files; pass a folder of MIDI files"
        case .noReadableFiles(let folder, let role, let skipped):
            return "none of the \(skipped) MIDI files in the \(role) folder \(folder.path) could be read "
                + "(see the warnings above); pass readable MIDI files"
        case .noCells:
            return "baseline bits per cell needs at least one roll with at least one step; pass non-empty rolls"
        case .velocityBinsMismatch(let first, let other):
            return "rolls coded with \(first) and \(other) velocity bins cannot be pooled; convert all of them "
                + "with the same --velocity-bins"
        case .writeFailed(let file, let reason):
            return "cannot write \(file.path): \(reason); check that the folder exists and is writable"
        }
    }
}
