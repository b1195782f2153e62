import ArgumentParser
import Dispatch
import Foundation
import PianoRoll
import Training

/// `fractalmidi bench data`: how fast the training data pipeline builds its cache and serves
/// batches.
struct BenchDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Measure the roll cache (cold build, warm load) and the batch loader.",
        discussion: """
            Builds the cache for --data in a fresh temporary folder (cold), loads it again \
            (warm), then times --batches batches from the sampler directly and through the \
            prefetching loader.
            """
    )

    @Option(help: "A folder of MIDI files or a file list.")
    var data = "../shared/data/pop909"

    @Option(help: "Examples per batch.")
    var batchSize = 8

    @Option(help: "Crop length in steps.")
    var crop = 256

    @Option(help: "Batches to time.")
    var batches = 500

    func validate() throws {
        guard batchSize >= 1, crop >= 1, batches >= 1 else {
            throw ValidationError("--batch-size, --crop and --batches must be at least 1")
        }
    }

    func run() throws {
        let dataset = try MusicDataset(path: data)
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("fractalmidi-bench-cache-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var start = DispatchTime.now().uptimeNanoseconds
        let decoded = try RollCache(directory: folder).load(dataset)
        let cold = seconds(since: start)
        start = DispatchTime.now().uptimeNanoseconds
        let warmCache = RollCache(directory: folder)
        _ = try warmCache.load(dataset)
        let warm = seconds(since: start)
        print("cache: \(decoded.songs.count) songs on \(ProcessInfo.processInfo.activeProcessorCount) cores: "
            + "cold build \(format(cold, 2)) s, warm load \(format(warm, 2)) s (\(warmCache.statistics.hits) hits)")

        var sampler = try ExampleSampler(dataset: decoded, cropLength: crop, pitchShifts: -12...12, seed: 1)
        start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<batches { _ = sampler.nextBatch(size: batchSize) }
        let direct = seconds(since: start)
        let fresh = try ExampleSampler(dataset: decoded, cropLength: crop, pitchShifts: -12...12, seed: 1)
        let loader = try DataLoader(sampler: fresh, batchSize: batchSize)
        start = DispatchTime.now().uptimeNanoseconds
        var features = [Float](repeating: 0, count: batchSize * 128 * crop * 3)
        for _ in 0..<batches {
            let batch = loader.next()
            features.withUnsafeMutableBufferPointer { batch.writeInputFeatures(into: $0) }
        }
        let prefetched = seconds(since: start)
        let examples = Double(batches * batchSize)
        print("sampler: \(format(examples / direct, 0)) examples/s (batch \(batchSize), crop \(crop))")
        print("loader + input features: \(format(examples / prefetched, 0)) examples/s, waited \(loader.waits) of \(batches) times")
    }

    private func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
