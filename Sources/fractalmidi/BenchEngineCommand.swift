import ArgumentParser
import Engine
import NN

/// `fractalmidi bench engine`: measures OpenBLAS sgemm, a Linear layer and transformer-block
/// training passes, and prints them with their ratio to the sgemm roof.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure the numerical engine: sgemm roof, Linear, and transformer-block forward + backward."
    )

    @Option(name: .long, help: "Threads for the engine (default: all cores).")
    var threads: Int = ThreadPool.availableCores

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard threads >= 1 else {
            throw ValidationError("--threads \(threads) must be at least 1; use 1 to \(ThreadPool.availableCores) on this machine")
        }
    }

    func run() throws {
        let result = EngineBenchmark(threads: threads).run()
        if json {
            print(result.json)
        } else {
            print(result.table)
        }
    }
}
