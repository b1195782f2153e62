import Foundation
import Testing
import NN

@Suite("EngineBenchmark")
struct EngineBenchmarkTests {
    @Test("block FLOPs follow 3·(24·B·L·D² + 4·B·L²·D)")
    func flops() {
        #expect(EngineBenchmark.largeBlock.trainingFLOPs == 41_875_931_136)
        #expect(abs(EngineBenchmark.largeBlock.trainingFLOPs / 1e9 - 41.9) < 0.05)
        let linearPart: Double = 24 * 8000 * 21 * 128 * 128
        let attentionPart: Double = 4 * 8000 * 21 * 21 * 128
        #expect(EngineBenchmark.smallBlock.trainingFLOPs == 3 * (linearPart + attentionPart))
    }

    @Test("JSON has the documented keys and the table shows ratios to sgemm")
    func reporting() throws {
        var result = EngineBenchmark.Result(threads: 2, sgemmGFLOPS: 100, linearGFLOPS: 90, blockMilliseconds: 500,
                                            blockGFLOPS: 83.75, smallBlockMilliseconds: 3000, smallBlockGFLOPS: 67.9)
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.json.utf8)) as? [String: Any])
        #expect(object.filter { !$0.key.hasSuffix("_products") } as? [String: Double]
                == ["threads": 2, "sgemm_gflops": 100, "linear_gflops": 90, "block_ms": 500,
                    "block_gflops": 83.75, "small_block_ms": 3000, "small_block_gflops": 67.9])
        #expect((object["inference_products"] as? [Any])?.isEmpty == true)
        #expect((object["training_products"] as? [Any])?.isEmpty == true)
        let lines = result.table.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0] == "engine benchmark, 2 threads")
        #expect(lines[3].hasSuffix("0.90"))
        #expect(lines[4].contains("41.9 GFLOP") && lines[4].contains("500.0") && lines[4].hasSuffix("0.84"))
        #expect(lines[5].hasSuffix("0.68"))

        result.inferenceProducts = [.init(rows: 69, inputs: 256, outputs: 768, sgemmGFLOPS: 60, packedGFLOPS: 90)]
        let withProducts = try #require(JSONSerialization.jsonObject(with: Data(result.json.utf8)) as? [String: Any])
        let products = try #require(withProducts["inference_products"] as? [[String: Double]])
        #expect(products == [["rows": 69, "inputs": 256, "outputs": 768, "sgemm_gflops": 60, "packed_gflops": 90]])
        let table = result.table.split(separator: "\n")
        #expect(table.count == 8)
        #expect(table[7].hasPrefix("69 × (256 → 768)") && table[7].hasSuffix("1.50×"))

        result.trainingProducts = [.init(rows: 110_250, inputs: 64, outputs: 256, sgemmGFLOPS: 50, packedGFLOPS: 80)]
        let withTraining = try #require(JSONSerialization.jsonObject(with: Data(result.json.utf8)) as? [String: Any])
        let training = try #require(withTraining["training_products"] as? [[String: Double]])
        #expect(training == [["rows": 110_250, "inputs": 64, "outputs": 256, "sgemm_gflops": 50, "packed_gflops": 80]])
        let both = result.table.split(separator: "\n")
        #expect(both.count == 10)
        #expect(both[8].hasPrefix("training linear, packed per call"))
        #expect(both[9].hasPrefix("110250 × (64 → 256)") && both[9].hasSuffix("1.60×"))
    }
}
