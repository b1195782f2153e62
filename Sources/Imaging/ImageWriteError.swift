import FileWriting
import Foundation

/// Why an image file could not be written. The file named is never left half-written:
/// images are written to a temporary file beside it and renamed into place.
public struct ImageWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file that was to be written.
    public let file: URL
    /// What the operating system reported.
    public let reason: String

    /// An error for `file`, with the operating system's `reason`.
    public init(file: URL, reason: String) {
        self.file = file
        self.reason = reason
    }

    /// A one-line message naming the file, the problem and the fix.
    public var description: String {
        "cannot write image \(file.path): \(reason); check that the folder \(file.deletingLastPathComponent().path) exists and is writable"
    }
}

/// Writes image files through `AtomicFile`, with `ImageWriteError`'s wording.
enum AtomicFileWriter {
    /// Writes `data` to `url` atomically (see `AtomicFile`).
    static func write(_ data: Data, to url: URL) throws(ImageWriteError) {
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw ImageWriteError(file: url, reason: String(cString: strerror(error.code)))
        }
    }
}
