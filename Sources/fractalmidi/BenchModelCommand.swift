import ArgumentParser
import Engine
import Foundation
import FractalModel

/// `fractalmidi bench model`: measured training-step and sampling speed of a model config.
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Measure a training step and the sampling of one roll for a model config.",
        discussion: """
            Random piano-roll-like input with a fixed seed. Prints the median training-step \
            time (after one warm-up step), the time to sample one roll, the achieved GFLOP/s \
            (FLOPs from `fractalmidi plan`) and the peak resident memory (after training, and after sampling).
            """
    )

    @Option(help: ArgumentHelp("YAML configuration file.", valueName: "file"))
    var config: String

    @Option(help: ArgumentHelp("Rolls per training step (default: training.train_batch_size).", valueName: "rolls"))
    var batch: Int?

    @Option(help: ArgumentHelp("Roll width in steps (default: data.crop_length).", valueName: "steps"))
    var width: Int?

    @Option(help: ArgumentHelp("Compute threads (default: hardware.threads; 0 = every core).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Sampling iterations per MAR level, e.g. 64,16,16 (default: sampling.num_iter_list).", valueName: "a,b,c"))
    var iters: String?

    @Option(help: ArgumentHelp("Timed training steps; the median is reported.", valueName: "n"))
    var steps = 3

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch \(batch) must be at least 1") }
        if let threads, threads < 0 { throw ValidationError("--threads \(threads) must be 0 (every core) or more") }
        if steps < 1 { throw ValidationError("--steps \(steps) must be at least 1") }
        if let iters, Self.parseIterations(iters) == nil {
            throw ValidationError("--iters \(iters) must be comma-separated whole numbers, e.g. 64,16,16")
        }
    }

    static func parseIterations(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.compactMap { $0 }
    }

    func run() throws {
        let loaded = try FractalConfig.load(contentsOf: URL(fileURLWithPath: config))
        for warning in loaded.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let threadCount = threads ?? loaded.config.hardware.threads
        if threadCount > 0 { Engine.setThreadCount(threadCount) }
        let benchmark = try ModelBenchmark(config: loaded.config, batch: batch ?? loaded.config.training.trainBatchSize,
                                           width: width, iterations: iters.flatMap(Self.parseIterations), steps: steps)
        let result = try benchmark.run()
        if json {
            let object: [String: Any] = [
                "train_step_s": result.trainStepSeconds, "sample_s": result.sampleSeconds,
                "train_gflops": result.trainGFLOPs, "sample_gflops": result.sampleGFLOPs,
                "train_peak_rss_mb": result.trainPeakRSSMegabytes, "peak_rss_mb": result.peakRSSMegabytes,
            ]
            let encoded = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: encoded, as: UTF8.self))
        } else {
            let used = benchmark.config
            print("model \(config): batch \(benchmark.batch) × 128 × \(used.data.cropLength), \(Engine.threadCount) thread(s), num_iter_list \(used.sampling.numIterList)")
            print(String(format: "  training step  %.3f s   %.2f GFLOP/s", result.trainStepSeconds, result.trainGFLOPs))
            print(String(format: "  sample 1 roll  %.3f s   %.2f GFLOP/s", result.sampleSeconds, result.sampleGFLOPs))
            print(String(format: "  peak RSS       %.0f MB training, %.0f MB with sampling",
                         result.trainPeakRSSMegabytes, result.peakRSSMegabytes))
        }
    }
}
