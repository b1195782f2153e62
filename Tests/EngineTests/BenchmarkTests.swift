import Engine
import Foundation
import Testing

/// Speed measurements against the targets; they only run when `ENGINE_BENCH` is set
/// (`ENGINE_BENCH=1 swift test -c release --filter BenchmarkTests`), because timings on a
/// shared machine are not a pass/fail property.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ENGINE_BENCH"] != nil))
struct BenchmarkTests {
    @Test func report() {
        let original = Engine.threadCount
        defer { Engine.setThreadCount(original) }
        let which = ProcessInfo.processInfo.environment["ENGINE_BENCH"] ?? "all"
        let threadCounts = (ProcessInfo.processInfo.environment["ENGINE_BENCH_THREADS"] ?? "1,2").split(separator: ",").compactMap { Int($0) }
        for threads in threadCounts {
            Engine.setThreadCount(threads)
            if which == "all" || which == "linear" {
                let raw = EngineBenchmark.sgemm(m: 2048, n: 2048, k: 512)
                let linear = EngineBenchmark.linearForward(rows: 2048, inFeatures: 512, outFeatures: 2048)
                print("[bench] \(threads) threads: \(raw) | \(linear) = \(Int(100 * linear.gigaflopsPerSecond / raw.gigaflopsPerSecond))% of sgemm")
            }
            if which == "all" || which == "block" {
                let raw = EngineBenchmark.sgemm(m: 2048, n: 2048, k: 512)
                print("[bench] \(threads) threads: \(raw)")
                let before = BufferPool.statistics
                print("[bench] \(EngineBenchmark.transformerBlock(batch: 8, length: 256, width: 512, heads: 8))")
                let after = BufferPool.statistics
                print("[bench] buffer pool over 4 block steps: \(after.allocated - before.allocated) new buffers, \(after.reused - before.reused) reused")
            }
            if which == "all" || which == "ops" {
                var generator = Engine.RandomGenerator(seed: 3)
                let wide = Tensor.randomNormal([2048, 2048], generator: &generator)
                let narrow = Tensor.randomNormal([2048, 512], generator: &generator)
                let weight = Tensor.randomNormal([512], generator: &generator)
                let scores = Tensor.randomNormal([64, 256, 256], generator: &generator)
                let qkv = Tensor.randomNormal([8, 256, 1536], generator: &generator)
                func time(_ name: String, _ body: () -> Void) {
                    let (wall, cpuSeconds) = EngineBenchmark.fastest(repetitions: 5, body)
                    let ms = wall * 1000, cpu = cpuSeconds * 1000
                    print("[bench] \(threads) threads: \(name) \((ms * 100).rounded() / 100) ms wall (best), \((cpu * 100).rounded() / 100) ms CPU (mean)")
                }
                time("gelu 2048×2048") { _ = wide.gelu() }
                let leaf = Tensor(copying: wide, requiresGrad: true)
                time("gelu + sum forward and backward 2048×2048") {
                    leaf.zeroGradient()
                    Engine.withGradients { leaf.gelu().sum() }.backward()
                }
                time("add 2048×2048") { _ = wide + wide }
                time("softmax 64×256×256") { _ = scores.softmax() }
                time("layerNorm 2048×512") { _ = narrow.layerNorm(weight: weight, bias: weight) }
                time("sum rows 2048×2048") { _ = wide.sum(alongAxis: 0) }
                time("attention 8×256, 8 heads") { _ = Tensor.attention(packedQKV: qkv, heads: 8) }
            }
            if which == "all" || which == "small" {
                let raw = EngineBenchmark.sgemm(m: 8000 * 21, n: 512, k: 128, repetitions: 2)
                print("[bench] \(threads) threads: \(raw)")
                print("[bench] \(EngineBenchmark.transformerBlock(batch: 8000, length: 21, width: 128, heads: 2, repetitions: 2))")
            }
        }
    }
}
