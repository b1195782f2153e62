import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's resident memory, read from `/proc/self/status` on Linux, with its peak (the
/// high-water mark) resettable, so that one job's peak can be measured after another's in the
/// same process.
enum ResidentMemory {
    /// The resident set size now, in MB (nil where `/proc` is not available).
    static var currentMegabytes: Double? {
        statusField("VmRSS")
    }

    /// The peak resident set size since the process started or since the last ``resetPeak()``
    /// that worked, in MB (the process's lifetime peak from `getrusage` where `/proc` is not
    /// available).
    static var peakMegabytes: Double {
        if let peak = statusField("VmHWM") { return peak }
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
    }

    /// Sets the peak back to the resident size now (Linux: writing 5 to `/proc/self/clear_refs`).
    /// Returns whether it worked; when not, ``peakMegabytes`` stays the lifetime peak.
    @discardableResult
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    /// The value in MB of a `kB` line of `/proc/self/status`.
    private static func statusField(_ name: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Double(fields[1]) else { return nil }
            return kilobytes / 1024
        }
        return nil
    }
}
