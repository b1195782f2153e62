import ImageDecoders
import Foundation
import Imaging
import Testing
import TestSupport
import Evaluation

/// The image decoded by libpng from `data`, as 8-bit RGB.
private func decodeWithLibpng(_ data: Data) throws -> RGBImage {
    try DecodedPNG(data).image
}

/// End-to-end tests of `fractalmidi eval`.
@Suite("fractalmidi eval")
struct EvalCommandTests {
    let tool: CommandLineTool

    init() throws {
        tool = try CommandLineTool()
    }

    /// Two folders of small pieces: generated (scales) and reference (scales and chords).
    func makeSets() throws -> (generated: MIDIFolder, reference: MIDIFolder) {
        let generated = try MIDIFolder(), reference = try MIDIFolder()
        try generated.write("one.mid", pitches: [60, 62, 64, 65, 67, 69, 71, 72])
        try generated.write("deeper/two.mid", pitches: [57, 59, 60, 62, 64])
        try generated.write("three.mid", pitches: [60, 61, 62, 63])
        try reference.write("a.mid", pitches: [48, 55, 64, 72, 76, 79])
        try reference.write("b.mid", pitches: [60, 64, 67])
        try reference.write("c.mid", pitches: [62, 65, 69, 72, 74, 77], steps: 48)
        return (generated, reference)
    }

    @Test("prints the table and mean OA, writes JSON and a chart")
    func fullRun() throws {
        let (generated, reference) = try makeSets()
        defer { generated.folder.remove(); reference.folder.remove() }
        let json = generated.url.appendingPathComponent("report.json")
        let chart = generated.url.appendingPathComponent("chart.png")
        let result = try tool.run(["eval", "--generated", generated.url.path, "--reference", reference.url.path,
                                   "--json", json.path, "--chart", chart.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardError.isEmpty)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true)
            == ["statistic", "generated", "reference", "OA", "KL"])
        for statistic in Statistic.allCases {
            #expect(lines.contains { $0.hasPrefix(statistic.rawValue + " ") }, "row \(statistic.rawValue)")
        }
        #expect(lines.contains { $0.hasPrefix("mean OA: ") && $0.hasSuffix("(3 generated, 3 reference pieces)") })
        #expect(lines.contains("wrote \(json.path)"))
        #expect(lines.contains("wrote \(chart.path)"))

        // The JSON agrees with the library's comparison of the same folders.
        let expected = SetComparison(
            generated: try PieceSet(folder: generated.url, role: "generated") { _ in }.statistics,
            reference: try PieceSet(folder: reference.url, role: "reference") { _ in }.statistics)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        #expect(abs((object["mean_oa"] as? Double ?? .nan) - expected.meanOverlappingArea) < 1e-12)
        let statistics = try #require(object["statistics"] as? [String: [String: Any]])
        #expect(Set(statistics.keys) == Set(Statistic.allCases.map(\.rawValue)))
        for entry in expected.entries {
            let reported = try #require(statistics[entry.statistic.rawValue])
            #expect(Set(reported.keys) == ["oa", "kl", "generated_mean", "reference_mean"])
            if let comparison = entry.comparison {
                #expect(abs((reported["oa"] as? Double ?? .nan) - comparison.overlappingArea) < 1e-12)
                #expect(abs((reported["generated_mean"] as? Double ?? .nan) - comparison.generatedMean) < 1e-12)
            }
        }
        // No temporary files are left beside the outputs.
        let left = try FileManager.default.contentsOfDirectory(atPath: generated.url.path).sorted()
        #expect(left == ["chart.png", "deeper", "one.mid", "report.json", "three.mid"])

        let image = try decodeWithLibpng(try Data(contentsOf: chart))
        #expect(image == expected.chart())
        #expect(image.width > 800 && image.height > 400)
    }

    @Test("a set compared with itself has mean OA 1")
    func selfComparison() throws {
        let (generated, reference) = try makeSets()
        defer { generated.folder.remove(); reference.folder.remove() }
        let result = try tool.run(["eval", "--generated", reference.url.path, "--reference", reference.url.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("mean OA: 1.0000 (3 generated, 3 reference pieces)"),
                "\(result.standardOutput)")
    }

    @Test("unreadable files are skipped with a warning and counted")
    func skipsUnreadable() throws {
        let (generated, reference) = try makeSets()
        defer { generated.folder.remove(); reference.folder.remove() }
        let junk = try generated.writeJunk("junk.mid")
        let result = try tool.run(["eval", "--generated", generated.url.path, "--reference", reference.url.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let warnings = result.standardError.split(separator: "\n")
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("warning: skipped \(junk.path): ") == true)
        #expect(result.standardOutput.contains("skipped 1 unreadable file (1 generated, 0 reference)"))
        #expect(result.standardOutput.contains("(3 generated, 3 reference pieces)"))
    }

    @Test("errors are one line and exit 1")
    func errors() throws {
        let (generated, reference) = try makeSets()
        defer { generated.folder.remove(); reference.folder.remove() }
        let missing = generated.url.appendingPathComponent("nowhere")

        var result = try tool.run(["eval", "--generated", missing.path, "--reference", reference.url.path])
        #expect(result.status == 1)
        #expect(result.standardError == "fractalmidi: generated folder \(missing.path) does not exist or is not a folder; "
            + "pass a folder of .mid files\n")

        let other = try MIDIFolder()
        defer { other.folder.remove() }
        let empty = other.url
        result = try tool.run(["eval", "--generated", generated.url.path, "--reference", empty.path])
        #expect(result.status == 1)
        #expect(result.standardError == "fractalmidi: reference folder \(empty.path) contains no .mid or .midi files; "
            + "pass a folder of MIDI files\n")

        let junk = try other.writeJunk("junk.mid")
        result = try tool.run(["eval", "--generated", generated.url.path, "--reference", empty.path])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("warning: skipped \(junk.path): ") == true)
        #expect(lines.last.map(String.init) == "fractalmidi: none of the 1 MIDI files in the reference folder \(empty.path) could be read "
            + "(see the warnings above); pass readable MIDI files")

        let unwritable = missing.appendingPathComponent("report.json")
        result = try tool.run(["eval", "--generated", generated.url.path, "--reference", reference.url.path,
                               "--json", unwritable.path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("fractalmidi: cannot write \(unwritable.path): "))
        #expect(result.standardError.hasSuffix("; check that the folder exists and is writable\n"))
        #expect(result.standardError.split(separator: "\n").count == 1)

        let chart = missing.appendingPathComponent("chart.png")
        result = try tool.run(["eval", "--generated", generated.url.path, "--reference", reference.url.path,
                               "--chart", chart.path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("fractalmidi: cannot write \(chart.path): "))
        #expect(result.standardError.split(separator: "\n").count == 1)

        result = try tool.run(["eval", "--generated", generated.url.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("--reference"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }
}
