import Foundation

/// Reports the progress of a long job (building the cache, training) on standard error.
///
/// On a terminal it redraws one status line in place (at most ten times a second) with the
/// count, the rate and the time left; otherwise (a log file, CI) it writes a plain line every
/// `logInterval` seconds. Either way ``finish(_:)`` ends with one summary line. Safe to call
/// from several threads at once.
public final class ProgressReporter: @unchecked Sendable {
    // Safe: every mutable field is read and written only while `lock` is held.
    private let lock = NSLock()
    private let title: String
    private let total: Int?
    private let unit: String
    private let isTerminal: Bool
    private let logInterval: Double
    private let write: @Sendable (String) -> Void
    private let start: UInt64
    private var done = 0
    private var lastReport: UInt64
    private var finished = false

    /// A reporter for `total` units of work (nil when unknown). `isTerminal` defaults to
    /// whether standard error is a terminal; `write` defaults to writing to standard error.
    public init(
        title: String, total: Int?, unit: String = "files",
        isTerminal: Bool = isatty(STDERR_FILENO) != 0,
        logInterval: Double = 5,
        write: @escaping @Sendable (String) -> Void = ProgressReporter.writeToStandardError
    ) {
        self.title = title
        self.total = total
        self.unit = unit
        self.isTerminal = isTerminal
        self.logInterval = logInterval
        self.write = write
        start = DispatchTime.now().uptimeNanoseconds
        lastReport = start
    }

    /// Counts `count` more units done, and reports when it is time to, with `detail` (for
    /// example the current loss) after the rate and time left.
    public func advance(by count: Int = 1, detail: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        done += count
        let now = DispatchTime.now().uptimeNanoseconds
        let interval = isTerminal ? 0.1 : logInterval
        guard !finished, Double(now - lastReport) / 1e9 >= interval else { return }
        lastReport = now
        var line = Self.statusLine(title: title, done: done, total: total, unit: unit,
                                   elapsed: Double(now - start) / 1e9)
        if let detail { line += "  \(detail)" }
        write(isTerminal ? "\r\u{1B}[K" + line : line + "\n")
    }

    /// Ends the report with a summary line: `summary` when given, else the count, time and rate.
    public func finish(_ summary: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let line = summary ?? Self.summaryLine(title: title, done: done, unit: unit, elapsed: elapsed)
        write((isTerminal ? "\r\u{1B}[K" : "") + line + "\n")
    }

    /// The status line for `done` of `total` units after `elapsed` seconds, e.g.
    /// `cache: 120/804 (15%)  40.0 files/s  ETA 0:17`.
    public static func statusLine(title: String, done: Int, total: Int?, unit: String, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\(title): \(done)"
        if let total, total > 0 {
            line += "/\(total) (\(done * 100 / total)%)"
        }
        line += "  \(String(format: "%.1f", rate)) \(unit)/s"
        if let total, rate > 0, done < total {
            line += "  ETA \(duration(Double(total - done) / rate))"
        }
        return line
    }

    /// The closing line: `title: N unit in S s (R unit/s)`.
    public static func summaryLine(title: String, done: Int, unit: String, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        return "\(title): \(done) \(unit) in \(String(format: "%.1f", elapsed)) s (\(String(format: "%.1f", rate)) \(unit)/s)"
    }

    /// A duration as `m:ss`, or `h:mm:ss` from an hour on.
    public static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs)
            : String(format: "%d:%02d", minutes, secs)
    }

    /// Writes `text` to standard error as it is.
    @Sendable public static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
