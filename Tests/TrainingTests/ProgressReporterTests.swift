import Foundation
import Testing
import Training

@Suite struct ProgressReporterTests {
    @Test func statusLineShowsCountRateAndTimeLeft() {
        #expect(ProgressReporter.statusLine(title: "cache", done: 120, total: 804, unit: "files", elapsed: 3)
            == "cache: 120/804 (14%)  40.0 files/s  ETA 0:18")
        #expect(ProgressReporter.statusLine(title: "train", done: 5, total: nil, unit: "steps", elapsed: 2)
            == "train: 5  2.5 steps/s")
        #expect(ProgressReporter.duration(3725) == "1:02:05")
        #expect(ProgressReporter.summaryLine(title: "cache", done: 36, unit: "files", elapsed: 2)
            == "cache: 36 files in 2.0 s (18.0 files/s)")
    }

    @Test func logModeWritesPlainLinesAndASummary() {
        let log = MessageLog()
        let reporter = ProgressReporter(title: "cache", total: 3, isTerminal: false, logInterval: 0, write: log.record)
        for step in 0..<3 { reporter.advance(detail: "loss \(step)") }
        reporter.finish("cache: done")
        reporter.finish("ignored")
        #expect(log.messages.count == 4)
        #expect(log.messages.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") })
        #expect(log.messages[0].hasPrefix("cache: 1/3 (33%)"))
        #expect(log.messages[2].hasSuffix("  loss 2\n"))
        #expect(log.messages[3] == "cache: done\n")
    }

    @Test func terminalModeRedrawsOneLine() {
        let log = MessageLog()
        let reporter = ProgressReporter(title: "cache", total: 2, isTerminal: true, write: log.record)
        reporter.advance()
        reporter.finish()
        #expect(log.messages.allSatisfy { $0.hasPrefix("\r\u{1B}[K") })
        #expect(log.messages.last?.hasSuffix(" files/s)\n") == true)
    }
}
