import Foundation

/// Why a MIDI file could not be read or written.
///
/// Its ``description`` is one line naming the file, the byte offset (when the problem is at a
/// place in the file), the problem and the fix, e.g.
/// `song.mid: byte 1234: event runs past the end of track 2 of 4 (the chunk ends at byte 1230); the file is corrupt — re-export it`.
public struct MIDIFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's name (the last path component when read from a URL).
    public var fileName: String
    /// The byte offset in the file where the problem was found, when there is one.
    public var byteOffset: Int?
    /// What is wrong.
    public var problem: String
    /// What the user can do about it.
    public var fix: String

    /// Makes an error.
    public init(fileName: String, byteOffset: Int?, problem: String, fix: String) {
        self.fileName = fileName
        self.byteOffset = byteOffset
        self.problem = problem
        self.fix = fix
    }

    /// `file: byte N: problem; fix` (without `byte N: ` when there is no offset).
    public var description: String {
        if let byteOffset {
            return "\(fileName): byte \(byteOffset): \(problem); \(fix)"
        }
        return "\(fileName): \(problem); \(fix)"
    }
}

extension MIDIFileError: LocalizedError {
    /// The same one-line ``description``, so `localizedDescription` shows it too.
    public var errorDescription: String? {
        description
    }
}
