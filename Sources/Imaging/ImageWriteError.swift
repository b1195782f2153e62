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

/// Writes files so that readers never see a half-written one.
enum AtomicFileWriter {
    /// Writes `data` to a temporary file in the same folder as `url`, then renames it onto `url`.
    static func write(_ data: Data, to url: URL) throws(ImageWriteError) {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ImageWriteError(file: url, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let result = Foundation.write(descriptor, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += result
            }
        }
        if close(descriptor) != 0 && failure == nil {
            failure = String(cString: strerror(errno))
        }
        if failure == nil && rename(temporary.path, url.path) != 0 {
            failure = String(cString: strerror(errno))
        }
        if let failure {
            unlink(temporary.path)
            throw ImageWriteError(file: url, reason: failure)
        }
    }
}
