import ArgumentParser
import Dispatch
import Foundation
import MIDIFile
import PianoRoll

/// `fractalmidi bench midi`: how fast MIDI files are parsed and quantised into piano rolls.
struct BenchMIDICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "midi",
        abstract: "Measure parsing + quantising a folder of MIDI files (default: the POP909 songs).",
        discussion: """
            Reads every file into memory first, then times parsing and MIDI → piano-roll \
            conversion over all of them (median of --repeats runs), on one thread and, with \
            --threads above 1, split across that many threads.
            """
    )

    @Option(help: "Folder of MIDI files (searched recursively).")
    var data = "../shared/data/pop909"

    @Option(help: "Threads to spread the files over.")
    var threads = 1

    @Option(help: "Timed runs; the median is reported.")
    var repeats = 5

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads \(threads) must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats \(repeats) must be at least 1") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: data, isDirectory: true)
        let files = try MIDIFolder(folder).files()
        let contents = try files.map { url -> (name: String, data: Data) in
            (url.lastPathComponent, try Data(contentsOf: url))
        }
        let bytes = contents.reduce(0) { $0 + $1.data.count }
        let chunks = (0..<threads).map { index in
            stride(from: index, to: contents.count, by: threads).map { contents[$0] }
        }

        var timings: [Double] = []
        var failures = 0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let failed = Counter()
            DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
                for file in chunks[chunk] {
                    do {
                        let midi = try StandardMIDIFile(data: file.data, fileName: file.name)
                        _ = try PianoRoll(midi)
                    } catch {
                        failed.increment()
                    }
                }
            }
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            failures = failed.value
        }
        let seconds = timings.sorted()[timings.count / 2]
        let filesPerSecond = Double(contents.count) / seconds
        let megabytesPerSecond = Double(bytes) / 1e6 / seconds
        if json {
            let object: [String: Any] = [
                "files": contents.count, "bytes": bytes, "threads": threads, "seconds": seconds,
                "files_per_s": filesPerSecond, "mb_per_s": megabytesPerSecond, "failures": failures,
            ]
            let encoded = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: encoded, as: UTF8.self))
        } else {
            print("parse + quantise \(contents.count) files (\(format(Double(bytes) / 1e6, 2)) MB) on \(threads) thread(s), median of \(repeats):")
            print("  \(format(seconds, 3)) s   \(format(filesPerSecond, 0)) files/s   \(format(megabytesPerSecond, 1)) MB/s"
                + (failures > 0 ? "   (\(failures) files failed to convert)" : ""))
        }
    }
}

/// A thread-safe count.
final class Counter: @unchecked Sendable {
    // Safe: every access goes through `lock`.
    private let lock = NSLock()
    private var count = 0

    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// The MIDI files under a folder, for commands that read many.
struct MIDIFolder {
    var url: URL

    init(_ url: URL) { self.url = url }

    /// The `.mid`/`.midi` files under the folder, recursively, sorted by path.
    func files() throws -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw CommandError("\(url.path): no such folder; pass a folder of MIDI files")
        }
        let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
        var files: [URL] = []
        while let file = enumerator?.nextObject() as? URL {
            if ["mid", "midi"].contains(file.pathExtension.lowercased()) { files.append(file) }
        }
        guard !files.isEmpty else {
            throw CommandError("\(url.path): no .mid or .midi files found; pass a folder that holds MIDI files")
        }
        return files.sorted { $0.path < $1.path }
    }
}

/// A user error raised by the command-line layer itself, printed as one line.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
