import Foundation

/// What can go wrong while finding, splitting, decoding or caching training music.
///
/// Each description is one line that names the file, the problem and the fix.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// A data path that names nothing.
    case missingPath(String)
    /// A line of a file list names a file that does not exist.
    case missingListedFile(list: String, line: Int, path: String)
    /// A line of a file list names a folder instead of a MIDI file.
    case listedFolder(list: String, line: Int, path: String)
    /// A line of a file list has more than two tab-separated fields.
    case malformedListLine(list: String, line: Int, fieldCount: Int)
    /// A file (list, folder listing, cache folder) could not be read or written.
    case io(path: String, reason: String)
    /// A MIDI file that cannot be read or converted; the message names the file.
    case unreadableMIDI(String)
    /// After skipping unreadable files, nothing is left to learn from.
    case emptyDataset(source: String, skipped: Int)
    /// A style label that the class list given for this data set does not contain.
    case unknownStyle(String, path: String, known: [String])
    /// A validation share outside what a split can honour.
    case invalidValidationShare(String)
    /// Too few files to keep at least one on each side of a split.
    case tooFewFilesToSplit(count: Int, source: String)
    /// A sampler or loader setting that cannot work.
    case invalidSetting(name: String, value: String, rule: String)
    /// A saved sampler state that belongs to another data set or seed.
    case stateMismatch(String)

    public var description: String {
        switch self {
        case .missingPath(let path):
            return "\(path): no such file or folder; pass a folder of MIDI files, a file list or a .mid file"
        case .missingListedFile(let list, let line, let path):
            return "\(list):\(line): \(path): no such file; fix the path (relative to the list's folder) or remove the line"
        case .listedFolder(let list, let line, let path):
            return "\(list):\(line): \(path) is a folder; list MIDI files one per line, or pass the folder itself as data"
        case .malformedListLine(let list, let line, let fieldCount):
            return "\(list):\(line): \(fieldCount) tab-separated fields; write a path, optionally a tab and a style label"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .unreadableMIDI(let message):
            return message
        case .emptyDataset(let source, let skipped):
            let why = skipped > 0 ? "all \(skipped) files were unreadable" : "it holds no MIDI files"
            return "\(source): no music to train on (\(why)); pass a folder or list with readable .mid files"
        case .unknownStyle(let style, let path, let known):
            let list = known.isEmpty ? "none" : known.joined(separator: ", ")
            return "\(path): style '\(style)' is not one of the training styles (\(list)); use one of those labels"
        case .invalidValidationShare(let text):
            return "validation share '\(text)' is not valid; write a percentage like 5% or a fraction like 0.05 (above 0, below 1)"
        case .tooFewFilesToSplit(let count, let source):
            return "\(source): \(count) file(s) cannot be split into training and validation; add files so each side gets at least one"
        case .invalidSetting(let name, let value, let rule):
            return "\(name) \(value) is not valid: \(rule)"
        case .stateMismatch(let reason):
            return "cannot resume the data sampler: \(reason); resume with the same data and seed, or start a new run"
        }
    }
}
