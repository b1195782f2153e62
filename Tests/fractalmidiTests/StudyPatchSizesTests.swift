import Foundation
import ImageDecoders
import Testing
import TestSupport

/// `fractalmidi study patch-sizes`: one arm per leaf patch size, trained and measured alike,
/// compared in report.md, report.json and chart.png; resumable.
@Suite("fractalmidi study patch-sizes")
struct StudyPatchSizesTests {
    let tool: CommandLineTool
    let folder: TemporaryFolder

    init() throws {
        tool = try CommandLineTool()
        folder = try TemporaryFolder()
    }

    var tinyConfig: String { SharedData.repositoryRoot.appendingPathComponent("config/train_tiny.yaml").path }

    /// A validation list of two POP909 songs (absolute paths).
    func writeValidationList() throws -> URL {
        let list = folder.url.appendingPathComponent("valid.txt")
        let lines = ["pop909/002.mid", "pop909/003.mid"].map { SharedData.url($0).path }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: list)
        return list
    }

    func arguments(steps: Int, validation: URL, output: URL) -> [String] {
        ["study", "patch-sizes", "--config", tinyConfig, "--sizes", "2,4,32", "--train-data", SharedData.url("pop909/ci_mini.txt").path,
         "--val-data", validation.path, "--steps", String(steps), "--pieces", "2", "-o", output.path, "--threads", "2"]
    }

    func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test("trains and measures every possible size, names the impossible one, writes a complete report; a second run reuses the arms, a larger budget continues them",
          .enabled(if: SharedData.shouldRun))
    func studyReportAndResume() throws {
        defer { folder.remove() }
        let validation = try writeValidationList()
        let output = folder.url.appendingPathComponent("study")
        let first = try tool.run(arguments(steps: 2, validation: validation, output: output), in: folder.url)
        #expect(first.status == 0, "stderr: \(first.standardError)")
        #expect(first.standardError.contains("patch 32: no arm — patch size 32 has no hierarchy like [128, 16, 4, 1]"))
        #expect(first.standardError.contains("arm 1/2, patch 2: hierarchy [128, 8, 2, 1], tokens per level 128 / 16 / 4"))
        #expect(first.standardError.contains("arm 2/2, patch 4: hierarchy [128, 16, 4, 1]"))

        let report = try json(output.appendingPathComponent("report.json"))
        let arms = try #require(report["arms"] as? [[String: Any]])
        #expect(arms.map { $0["patch_size"] as? Int } == [2, 4])
        let impossible = try #require(report["impossible"] as? [[String: Any]])
        #expect(impossible.count == 1 && impossible[0]["patch_size"] as? Int == 32)
        #expect((impossible[0]["reason"] as? String)?.contains("must be a power of two from 2 to 16") == true)
        for (arm, periods) in zip(arms, [[8, 2], [16, 4]]) {
            let patch = arm["patch_size"] as? Int ?? 0
            #expect(arm["steps"] as? Int == 2)
            for key in ["parameters", "planned_training_flops", "planned_sampling_flops", "seconds_per_step", "examples_per_second",
                        "peak_megabytes", "sample_seconds", "validation_bits_per_cell", "baseline_bits_per_cell",
                        "mean_overlapping_area", "training_seconds"] {
                let value = try #require(arm[key] as? Double, "patch \(patch): \(key)")
                #expect(value > 0, "patch \(patch): \(key) = \(value)")
            }
            #expect((arm["tokens_per_level"] as? [Int])?.count == 3)
            let statistics = try #require(arm["statistics"] as? [[String: Any]])
            #expect(statistics.map { $0["statistic"] as? String } == ["note_density", "polyphony", "pitch_range", "mean_note_duration"])
            let borders = try #require(arm["border_endings"] as? [[String: Any]])
            #expect(borders.map { $0["period"] as? Int } == periods)
            #expect(borders.allSatisfy { ($0["reference_notes"] as? Int ?? 0) > 0 })
            #expect(!((arm["curve"] as? [Any]) ?? []).isEmpty)
            let pieces = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("arms/patch-\(patch)/pieces").path)
            #expect(pieces.sorted() == ["piece-01.mid", "piece-02.mid"])
            let picture = try DecodedPNG(Data(contentsOf: output.appendingPathComponent("arms/patch-\(patch)/piece.png")))
            #expect(picture.width == 2 * 128)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("reference").path).count == 2)
        let chart = try DecodedPNG(Data(contentsOf: output.appendingPathComponent("chart.png")))
        #expect(chart.width > 0 && chart.height > 0)
        let markdown = try String(contentsOf: output.appendingPathComponent("report.md"), encoding: .utf8)
        for section in ["## Planned cost", "## Measured speed and memory", "## Validation bits per cell",
                        "## Generated music against real music", "- patch 32: no arm", "![patch 2](arms/patch-2/piece.png)",
                        "![patch 4](arms/patch-4/piece.png)", "(chart.png)", "| 2 | [128, 8, 2, 1] | 128 / 16 / 4 |"] {
            #expect(markdown.contains(section), "report.md lacks \(section)")
        }
        #expect(!markdown.contains("nan"), "report.md: \(markdown)")

        // The same command again: both arms are reused, nothing is trained or sampled.
        let results = try ["2", "4"].map { try Data(contentsOf: output.appendingPathComponent("arms/patch-\($0)/result.json")) }
        let second = try tool.run(arguments(steps: 2, validation: validation, output: output), in: folder.url)
        #expect(second.status == 0, "stderr: \(second.standardError)")
        #expect(second.standardError.contains("arm 1/2, patch 2: measured earlier for 2 steps; reusing it"))
        #expect(second.standardError.contains("arm 2/2, patch 4: measured earlier for 2 steps; reusing it"))
        #expect(!second.standardError.contains("training for"))
        #expect(try ["2", "4"].map { try Data(contentsOf: output.appendingPathComponent("arms/patch-\($0)/result.json")) } == results)

        // A larger budget continues each arm from its checkpoint at step 2.
        let third = try tool.run(arguments(steps: 3, validation: validation, output: output), in: folder.url)
        #expect(third.status == 0, "stderr: \(third.standardError)")
        #expect(third.standardError.contains("arm 1/2, patch 2: training for 3 steps"))
        let log = try String(contentsOf: output.appendingPathComponent("arms/patch-2/run/log.jsonl"), encoding: .utf8)
        let trainingSteps = log.split(separator: "\n").filter { $0.contains("\"loss\"") }.compactMap { line in
            line.firstRange(of: "\"step\":").map { Int(line[$0.upperBound...].prefix { $0.isNumber }) ?? -1 }
        }
        #expect(trainingSteps == [1, 2, 3], "log: \(log)")
        let extended = try json(output.appendingPathComponent("report.json"))
        let extendedArms = try #require(extended["arms"] as? [[String: Any]])
        #expect(extendedArms.map { $0["steps"] as? Int } == [3, 3])
        // Equal time is the least of steps × median seconds per step (two logged windows now,
        // steps 1–2 and 3, at different rates), not the sum of the windows' logged times.
        let atMedianRate = extendedArms.compactMap { arm in
            (arm["seconds_per_step"] as? Double).map { $0 * Double(arm["steps"] as? Int ?? 0) }
        }
        let equalSeconds = try #require(extended["equal_seconds"] as? Double)
        #expect(atMedianRate.count == 2 && abs(equalSeconds - atMedianRate.min()!) <= 1e-9 * equalSeconds)
        let logged = extendedArms.compactMap { $0["stepping_seconds"] as? Double }
        #expect(logged.count == 2 && abs(equalSeconds - logged.min()!) > 1e-9 * equalSeconds,
                "the logged time should differ from steps × median: \(logged) against \(equalSeconds)")
    }

    @Test("a --minutes budget trains each arm until its time is spent; a second run finds it spent and reuses the arm",
          .enabled(if: SharedData.shouldRun))
    func timeBudget() throws {
        defer { folder.remove() }
        let validation = try writeValidationList()
        let output = folder.url.appendingPathComponent("study")
        let arguments = ["study", "patch-sizes", "--config", tinyConfig, "--sizes", "4", "--train-data", SharedData.url("pop909/ci_mini.txt").path,
                         "--val-data", validation.path, "--minutes", "0.05", "--pieces", "1", "-o", output.path, "--threads", "2"]
        let first = try tool.run(arguments, in: folder.url)
        #expect(first.status == 0, "stderr: \(first.standardError)")
        #expect(first.standardError.contains("time budget spent after step"))
        let report = try json(output.appendingPathComponent("report.json"))
        let arm = try #require((report["arms"] as? [[String: Any]])?.first)
        #expect((arm["budget"] as? [String: Any])?["minutes"] as? Double == 0.05)
        // Training stops at the first step boundary after its 3 seconds, well before the schedule's 200 steps.
        #expect((arm["training_seconds"] as? Double ?? 0) >= 3)
        #expect((1..<200).contains(arm["steps"] as? Int ?? 0))
        #expect(report["budget"] as? String == "0.05 minutes")
        let second = try tool.run(arguments, in: folder.url)
        #expect(second.status == 0, "stderr: \(second.standardError)")
        #expect(second.standardError.contains("arm 1/1, patch 4: measured earlier for 0.05 minutes; reusing it"))
    }

    @Test("validation music without an 8-bar song is one error line naming --val-data and the fix, exit status 1")
    func shortValidationMusic() throws {
        defer { folder.remove() }
        let music = folder.url.appendingPathComponent("music")
        try FileManager.default.createDirectory(at: music, withIntermediateDirectories: true)
        // 8 bars of 3/4: 96 steps, shorter than an 8-bar excerpt of 16-step bars.
        for index in 0..<2 { try handMadePiece(bars: 8).writeMIDI(to: music.appendingPathComponent("song\(index).mid")) }
        let result = try tool.run(["study", "patch-sizes", "--config", tinyConfig, "--sizes", "4", "--train-data", music.path,
                                   "--val-data", music.path, "--steps", "100", "-o", folder.url.appendingPathComponent("study").path],
                                  in: folder.url)
        #expect(result.status == 1)
        let errors = result.standardError.split(separator: "\n").filter { $0.hasPrefix("fractalmidi:") }
        #expect(errors.count == 1, "stderr: \(result.standardError)")
        #expect(errors.first.map(String.init) == result.standardError.split(separator: "\n").last.map(String.init))
        #expect(result.standardError.contains("--val-data \(music.path): no song is 8 bars (128 steps) long; give validation music with songs of at least 8 bars"))
        #expect(!result.standardError.contains("training for"))
    }

    @Test("bad arguments are one line naming the problem, exit status 1", arguments: [
        ([], "give the budget per arm as either --steps N or --minutes M, not neither"),
        (["--steps", "100", "--minutes", "5"], "not both"),
        (["--steps", "0"], "--steps 0 must be at least 1"),
        (["--minutes", "0"], "must be a positive number"),
        (["--steps", "100", "--pieces", "0"], "--pieces 0 must be at least 1"),
        (["--steps", "100", "--sizes", "2,x"], "The value '2,x' is invalid for '--sizes <sizes>'"),
        (["--steps", "100", "--sizes", "32,64"], "--sizes 32,64: no size has a hierarchy"),
        (["--steps", "100", "--config", "missing.yaml"], "missing.yaml"),
        (["--steps", "100", "--train-data", "nowhere.txt"], "nowhere.txt"),
    ])
    func userErrors(extra: [String], fragment: String) throws {
        defer { folder.remove() }
        var options: [String: String] = ["--config": tinyConfig, "--sizes": "2,4", "--train-data": "nowhere.txt",
                                         "--val-data": "nowhere-valid.txt", "-o": folder.url.appendingPathComponent("study").path]
        var flags: [String] = []
        var index = 0
        while index < extra.count {
            if options[extra[index]] != nil { options[extra[index]] = extra[index + 1] } else { flags += [extra[index], extra[index + 1]] }
            index += 2
        }
        var arguments = ["study", "patch-sizes"]
        for key in ["--config", "--sizes", "--train-data", "--val-data", "-o"] { arguments += [key, options[key]!] }
        let result = try tool.run(arguments + flags, in: folder.url)
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(fragment), "stderr: \(result.standardError)")
    }
}
