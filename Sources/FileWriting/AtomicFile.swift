#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files so that a reader, a crash or a full disk never leaves one half-written.
///
/// The bytes go to a temporary file beside the target (same folder, so the same file
/// system), are flushed to the disk, and the temporary file is renamed over the target in one
/// step. A process killed at any moment leaves either the old file or the whole new one (and
/// at worst a stray `.NAME.*.partial` file); a failed write removes its temporary file and
/// leaves the old file as it was. Every file FractalMIDI writes goes through here.
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    /// - Throws: `FileWriteError` naming the file and what the system reported.
    public static func write(_ data: Data, to url: URL) throws(FileWriteError) {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileWriteError(file: url, code: errno)
        }
        var failure: Int32?
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let result = Foundation.write(descriptor, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += result
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0 && failure == nil { failure = errno }
        if failure == nil && rename(temporary.path, url.path) != 0 { failure = errno }
        if let failure {
            unlink(temporary.path)
            throw FileWriteError(file: url, code: failure)
        }
    }

    /// Moves the finished file or folder `temporary` onto `url` in one step, replacing a file
    /// there (a folder at `url` must be moved aside first: rename does not replace one).
    public static func move(_ temporary: URL, onto url: URL) throws(FileWriteError) {
        if rename(temporary.path, url.path) != 0 {
            throw FileWriteError(file: url, code: errno)
        }
    }
}

/// Why a file could not be written: the file and the system's error.
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file that was to be written.
    public let file: URL
    /// The system's error number (`errno`).
    public let code: Int32

    /// An error writing `file`, with the system's error number.
    public init(file: URL, code: Int32) {
        self.file = file
        self.code = code
    }

    /// Whether the disk (or the user's quota) is full.
    public var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }

    /// What went wrong, in words, with the fix: "the disk is full (No space left on device);
    /// free some space".
    public var reason: String {
        let system = String(cString: strerror(code))
        switch code {
        case ENOSPC, EDQUOT:
            return "the disk is full (\(system)); free some space on it or write elsewhere"
        case EACCES, EPERM, EROFS:
            return "\(system); check that the folder \(file.deletingLastPathComponent().path) is writable"
        case ENOENT, ENOTDIR:
            return "\(system); check that the folder \(file.deletingLastPathComponent().path) exists"
        default:
            return system
        }
    }

    /// `cannot write PATH: REASON`.
    public var description: String {
        "cannot write \(file.path): \(reason)"
    }
}
