import Foundation
import FractalModel
import MIDIFile
import Testing
import TestSupport
import ModelStore

/// What the tool leaves on disk when it is killed or the disk fills up: always the previous
/// checkpoint or file whole, never a half-written one, and one clear line for a full disk.
@Suite("crash safety", .serialized)
struct CrashSafetyTests {
    let tool: CommandLineTool
    let tiny = SharedData.repositoryRoot.appendingPathComponent("config/train_tiny.yaml").path

    init() throws {
        tool = try CommandLineTool()
    }

    /// The settings of the kill and disk-full runs: a checkpoint after every step, no previews.
    static let trainSettings = ["--set", "logging.checkpoint_every_n_steps=1", "--set", "logging.keep_last=2",
                                "--set", "logging.num_images_to_log=0", "--set", "logging.log_every_n_steps=1",
                                "--threads", "1"]

    /// A list of three POP909 songs in `folder`.
    private func songList(in folder: URL) throws -> String {
        let list = folder.appendingPathComponent("songs.txt")
        let songs = ["002", "003", "005"].map { SharedData.url("pop909/\($0).mid").path }
        try Data((songs.joined(separator: "\n") + "\n").utf8).write(to: list)
        return list.path
    }

    @Test("SIGKILL at 50 random moments: train --resume always continues from an intact checkpoint",
          .enabled(if: SharedData.shouldRun, "needs ../shared/data"))
    func killedTrainingResumes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let songs = try songList(in: folder.url)
        let run = folder.url.appendingPathComponent("run")
        let cache = ["FRACTALMIDI_CACHE": folder.url.appendingPathComponent("cache").path]
        var generator = SeededGenerator(seed: 26)
        var lastStep = 0
        var killsInsideWrites = 0
        var resumedRuns = 0
        for attempt in 0..<50 {
            let store = CheckpointStore(run: run)
            let resuming = store.latestDirectory() != nil
            let arguments = resuming
                ? ["train", "--resume", run.path, "--max-steps", "100000"] + Self.trainSettings
                : ["train", "--config", tiny, "--run", run.path, "--train-data", songs, "--max-steps", "100000"] + Self.trainSettings
            if !resuming { try? FileManager.default.removeItem(at: run) }
            if resuming { resumedRuns += 1 }
            let process = try tool.start(arguments, in: folder.url, environment: cache)
            let delay = Double.random(in: 0.05...1.5, using: &generator)
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal || process.terminationStatus == 0,
                    "kill \(attempt): train ended by itself with status \(process.terminationStatus) before the signal")
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: store.directory.path)) ?? [])
                .filter { $0.hasPrefix(".") }
            if !leftovers.isEmpty { killsInsideWrites += 1 }
            // What `train --resume` will read: repair, then the newest checkpoint, which must load whole.
            store.repair()
            guard store.latestDirectory() != nil else {
                #expect(lastStep == 0, "kill \(attempt): checkpoint at step \(lastStep) lost")
                continue
            }
            let checkpoint = try Checkpoint.load(from: run)
            #expect(checkpoint.state.step >= lastStep, "kill \(attempt): latest went back from \(lastStep) to \(checkpoint.state.step)")
            let model = FractalGenerativeModel(config: checkpoint.config, seed: 0)
            try checkpoint.loadParameters(into: model)
            _ = try checkpoint.optimizerState()
            lastStep = checkpoint.state.step
        }
        #expect(lastStep > 0, "no checkpoint was written in 50 runs")
        #expect(resumedRuns > 10, "only \(resumedRuns) of 50 runs resumed")
        print("crash safety: 50 kills, \(resumedRuns) of them resumed runs, \(killsInsideWrites) left a save unfinished; last step \(lastStep)")
        let finish = try tool.run(["train", "--resume", run.path, "--max-steps", String(lastStep + 2)] + Self.trainSettings,
                                  in: folder.url, environment: cache)
        #expect(finish.status == 0, "\(finish.standardError)")
        #expect(try Checkpoint.load(from: run).state.step == lastStep + 2)
    }

    @Test("a disk that fills during a checkpoint write: one line, status 1, the previous checkpoint intact",
          .enabled(if: SharedData.shouldRun && SmallDisk.isAvailable, "needs ../shared/data and root to mount a tmpfs"))
    func diskFullDuringCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let songs = try songList(in: folder.url)
        // One checkpoint of the tiny model takes about 0.9 MB: room for the first, not the second.
        let disk = try SmallDisk(kilobytes: 1_400)
        defer { disk.unmount() }
        let run = disk.url.appendingPathComponent("run")
        let result = try tool.run(["train", "--config", tiny, "--run", run.path, "--train-data", songs, "--max-steps", "50"] + Self.trainSettings,
                                  in: folder.url, environment: ["FRACTALMIDI_CACHE": folder.url.appendingPathComponent("cache").path])
        #expect(result.status == 1, "status \(result.status): \(result.standardError)")
        let errorLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("fractalmidi:") }
        #expect(errorLines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("No space left on device"), "\(result.standardError)")
        let checkpoint = try Checkpoint.load(from: run)
        #expect(checkpoint.state.step >= 1)
        try checkpoint.loadParameters(into: FractalGenerativeModel(config: checkpoint.config, seed: 0))
        _ = try checkpoint.optimizerState()
        let hidden = try FileManager.default.contentsOfDirectory(atPath: CheckpointStore(run: run).directory.path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "left behind: \(hidden)")
    }

    @Test("a disk that fills while generate writes: one line, status 1, only whole files",
          .enabled(if: SmallDisk.isAvailable, "needs root to mount a tmpfs"))
    func diskFullDuringGenerate() throws {
        // Four 2-bar pieces take about 80 KB (each file rounded up to 4 KB pages): the disk
        // fills somewhere in the second piece.
        let disk = try SmallDisk(kilobytes: 24)
        defer { disk.unmount() }
        let output = disk.url.appendingPathComponent("out")
        let result = try tool.run(["generate", "--bars", "2", "--seed", "1", "--count", "4", "--iters", "4,4,4", "-o", output.path])
        #expect(result.status == 1, "status \(result.status): \(result.standardError)")
        let errorLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("fractalmidi:") }
        #expect(errorLines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("No space left on device"), "\(result.standardError)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        #expect(names.allSatisfy { !$0.hasPrefix(".") }, "left behind: \(names)")
        for name in names where name.hasSuffix(".mid") {
            _ = try StandardMIDIFile(contentsOf: output.appendingPathComponent(name))
        }
        for name in names where name.hasSuffix(".png") {
            let bytes = try Data(contentsOf: output.appendingPathComponent(name))
            #expect(bytes.suffix(8) == Data([0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]), "\(name) is cut off")
        }
        for name in names where name.hasSuffix(".gif") {
            #expect(try Data(contentsOf: output.appendingPathComponent(name)).last == 0x3B, "\(name) is cut off")
        }
    }
}

/// A small tmpfs mounted for one test, to fill up on purpose.
struct SmallDisk {
    let url: URL

    /// Whether this process may mount one (root, with mount allowed).
    static let isAvailable: Bool = {
        guard geteuid() == 0, let disk = try? SmallDisk(kilobytes: 64) else { return false }
        disk.unmount()
        return true
    }()

    init(kilobytes: Int) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fractalmidi-disk-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", url.path]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: url)
            throw SmallDiskError(path: url.path)
        }
    }

    func unmount() {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [url.path]
        try? umount.run()
        umount.waitUntilExit()
        try? FileManager.default.removeItem(at: url)
    }
}

/// A tmpfs could not be mounted.
struct SmallDiskError: Error, CustomStringConvertible {
    let path: String
    var description: String { "cannot mount a tmpfs at \(path)" }
}
