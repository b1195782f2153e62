import Foundation
import Testing
import TestSupport

/// The studio's page in headless Chromium, driven through its real UI by
/// `Browser/studio_browser_test.py` (selenium) against a real `fractalmidi studio`.
/// `scripts/install-deps.sh` installs Chromium, its driver and the pinned selenium; outside CI
/// the test is skipped when they are missing, under CI it runs and fails.
@Suite("Studio in a browser", .serialized)
struct BrowserTests {
    static let script = SharedData.repositoryRoot.appendingPathComponent("Tests/StudioTests/Browser/studio_browser_test.py")

    /// Whether Chromium, chromedriver and selenium are installed.
    static var browserIsInstalled: Bool {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import selenium"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    static var shouldRun: Bool {
        if browserIsInstalled || SharedData.isCI { return true }
        FileHandle.standardError.write(Data("note: chromium, chromedriver or selenium missing; the browser test is skipped (run scripts/install-deps.sh)\n".utf8))
        return false
    }

    @Test("open a song, regenerate bars 3–4 keeping every cell outside, draw and delete, play, takes, reload, a bad upload: all through the page",
          .enabled(if: shouldRun), .timeLimit(.minutes(5)))
    func page() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = folder.url.appendingPathComponent("server.log")
        let server = try CommandLineTool().start(["studio", "--port", "0", "--sessions", folder.url.appendingPathComponent("sessions").path],
                                                 writingOutputTo: log)
        defer { server.terminate(); server.waitUntilExit() }
        let address = try StudioServerTests.address(in: log, of: server)
        let test = Process()
        test.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        test.arguments = ["python3", Self.script.path, address.absoluteString]
        // A POP909 song from the shared corpus when it is there; else the script writes its own.
        var environment = ProcessInfo.processInfo.environment
        environment["STUDIO_SONG"] = SharedData.url("pop909/002.mid").path
        environment["STUDIO_SCREENSHOTS"] = folder.url.appendingPathComponent("screenshots").path
        test.environment = environment
        let output = folder.url.appendingPathComponent("browser.log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        test.standardOutput = handle
        test.standardError = handle
        try test.run()
        test.waitUntilExit()
        let report = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(test.terminationStatus == 0, "\(report)")
    }
}
