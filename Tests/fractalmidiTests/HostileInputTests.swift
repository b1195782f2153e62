import Foundation
import Testing
import TestSupport

/// The inputs that once crashed the tool (issue #26), run through the command line: each must
/// end with one line on standard error naming the file, and status 1.
@Suite("hostile inputs on the command line")
struct HostileInputTests {
    let tool: CommandLineTool
    let regressions = SharedData.repositoryRoot.appendingPathComponent("Tests/FuzzRegressions")

    init() throws {
        tool = try CommandLineTool()
    }

    private func expectOneLineError(_ result: CommandLineTool.Result, naming file: String, saying fragment: String) {
        #expect(result.status == 1, "status \(result.status), stderr: \(result.standardError)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(file), "\(result.standardError)")
        #expect(result.standardError.contains(fragment), "\(result.standardError)")
    }

    @Test("plan --config with a width of 2^62 refuses it by the limit")
    func hugeWidth() throws {
        let config = regressions.appendingPathComponent("config/huge-embed-dim.yaml").path
        expectOneLineError(try tool.run(["plan", "--config", config]), naming: "huge-embed-dim.yaml",
                           saying: "model.embed_dim_list[0] 4611686018427387904 is above the limit of 16384")
    }

    @Test("plan --config with brackets nested 100,000 deep refuses it by the limit")
    func deepBrackets() throws {
        let config = regressions.appendingPathComponent("config/nested-100000-deep.yaml").path
        expectOneLineError(try tool.run(["plan", "--config", config]), naming: "nested-100000-deep.yaml",
                           saying: "nest deeper than the limit of 64 levels")
    }

    @Test("generate --model whose weights declare a [2^40, 2^40] tensor refuses the file")
    func hugeTensorShape() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fractalmidi-hostile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bundled = SharedData.repositoryRoot.appendingPathComponent("models/default/state.json")
        try FileManager.default.copyItem(at: bundled, to: folder.appendingPathComponent("state.json"))
        try FileManager.default.copyItem(at: regressions.appendingPathComponent("safetensors/shape-2e40-squared.safetensors"),
                                         to: folder.appendingPathComponent("model.safetensors"))
        let result = try tool.run(["generate", "--model", folder.path, "--bars", "1", "-o", folder.appendingPathComponent("out").path])
        expectOneLineError(result, naming: "model.safetensors", saying: "is larger than any file can hold")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/generated-1.mid").path))
    }

    @Test("generate --model whose state.json asks for a model far larger than its weights is refused before any allocation")
    func configLargerThanWeights() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fractalmidi-hostile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bundled = SharedData.repositoryRoot.appendingPathComponent("models/default")
        var state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: bundled.appendingPathComponent("state.json"))) as? [String: Any])
        var entries = try #require(state["config"] as? [[String: Any]])
        for index in entries.indices where (entries[index]["key"] as? String) == "model.embed_dim_list" {
            entries[index]["value"] = [16384, 16384, 16384, 16384]
        }
        for index in entries.indices where (entries[index]["key"] as? String) == "model.num_blocks_list" {
            entries[index]["value"] = [256, 256, 256, 256]
        }
        state["config"] = entries
        try JSONSerialization.data(withJSONObject: state).write(to: folder.appendingPathComponent("state.json"))
        try FileManager.default.copyItem(at: bundled.appendingPathComponent("model.safetensors"),
                                         to: folder.appendingPathComponent("model.safetensors"))
        let result = try tool.run(["generate", "--model", folder.path, "--bars", "1", "-o", folder.appendingPathComponent("out").path])
        expectOneLineError(result, naming: folder.lastPathComponent, saying: "parameters but model.safetensors holds 5761120 values")
    }
}
