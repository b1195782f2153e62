#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard engine workloads with their timings, for `fractalmidi bench engine` and for
/// checking the speed targets. Each workload runs once to warm up, then `repetitions`
/// times; the fastest run is reported (the least disturbed by other processes).
public enum EngineBenchmark {
    /// One measured workload.
    public struct Result: Sendable, CustomStringConvertible {
        /// What was measured.
        public let name: String
        /// The fastest run, in seconds.
        public let seconds: Double
        /// The floating-point operations of one run (multiply and add counted separately).
        public let flops: Double
        /// The process's CPU time (all threads) per run, averaged over the runs. On a busy
        /// machine, CPU time at one thread is a steadier measure than wall-clock time.
        public var cpuSeconds: Double = 0
        /// Billions of floating-point operations per second in the fastest run.
        public var gigaflopsPerSecond: Double { flops / seconds / 1e9 }

        /// A one-line summary.
        public var description: String {
            let ms = (seconds * 1e4).rounded() / 10, rate = (gigaflopsPerSecond * 10).rounded() / 10
            let cpu = (cpuSeconds * 1e4).rounded() / 10, cpuRate = (flops / cpuSeconds / 1e8).rounded() / 10
            return "\(name): \(ms) ms, \(rate) GFLOP/s (CPU time \(cpu) ms, \(cpuRate) GFLOP/CPU-s)"
        }

        init(name: String, seconds: (wall: Double, cpu: Double), flops: Double) {
            self.name = name
            self.seconds = seconds.wall
            self.cpuSeconds = seconds.cpu
            self.flops = flops
        }
    }

    /// Wall-clock seconds of the fastest of `repetitions` runs of `body` (after a warm-up),
    /// and the mean process CPU seconds per run.
    public static func fastest(repetitions: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
        body()
        var best = Double.infinity
        let cpuStart = now(CLOCK_PROCESS_CPUTIME_ID)
        for _ in 0..<max(1, repetitions) {
            let start = now(CLOCK_MONOTONIC)
            body()
            best = min(best, now(CLOCK_MONOTONIC) - start)
        }
        return (best, (now(CLOCK_PROCESS_CPUTIME_ID) - cpuStart) / Double(max(1, repetitions)))
    }

    /// OpenBLAS `sgemm` on `[m, k] · [k, n]`, shared over the engine's threads (the yardstick).
    public static func sgemm(m: Int, n: Int, k: Int, repetitions: Int = 5) -> Result {
        let a = Tensor(shape: [m, k], repeating: 0.5), b = Tensor(shape: [k, n], repeating: 0.25)
        let c = Tensor.zeros([m, n])
        let seconds = fastest(repetitions: repetitions) {
            Engine.sharedSGEMM(transposeA: false, transposeB: false, m: m, n: n, k: k,
                               a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
        }
        return Result(name: "sgemm \(m)×\(k)·\(k)×\(n)", seconds: seconds, flops: 2 * Double(m * n * k))
    }

    /// `linear` forward with bias: `[rows, inFeatures] → [rows, outFeatures]`.
    public static func linearForward(rows: Int, inFeatures: Int, outFeatures: Int, repetitions: Int = 5) -> Result {
        var generator = Engine.RandomGenerator(seed: 1)
        let x = Tensor.randomNormal([rows, inFeatures], generator: &generator)
        let w = Tensor.randomNormal([outFeatures, inFeatures], generator: &generator)
        let b = Tensor.randomNormal([outFeatures], generator: &generator)
        let seconds = fastest(repetitions: repetitions) { _ = x.linear(weight: w, bias: b) }
        return Result(name: "linear \(rows)×\(inFeatures)→\(outFeatures)", seconds: seconds,
                      flops: 2 * Double(rows * inFeatures * outFeatures))
    }

    /// A `linear` forward with bias, `[rows, inFeatures] → [rows, outFeatures]`, two ways:
    /// through `sgemm` (which packs the weight on every call) and through a ``PackedWeight``,
    /// packed once beforehand (what inference does) or, with `packingEachCall`, inside every
    /// timed call (what a training step does with a narrow layer).
    public static func packedLinear(rows: Int, inFeatures: Int, outFeatures: Int, packingEachCall: Bool = false,
                                       repetitions: Int = 20) -> (sgemm: Result, packed: Result) {
        var generator = Engine.RandomGenerator(seed: 1)
        let x = Tensor.randomNormal([rows, inFeatures], generator: &generator)
        let w = Tensor.randomNormal([outFeatures, inFeatures], generator: &generator)
        let b = Tensor.randomNormal([outFeatures], generator: &generator)
        let out = Tensor(uninitializedShape: [rows, outFeatures])
        let flops = 2 * Double(rows * inFeatures * outFeatures)
        let name = "linear \(rows)×\(inFeatures)→\(outFeatures)"
        let viaSgemm = fastest(repetitions: repetitions) {
            for row in 0..<rows { (out.pointer + row * outFeatures).update(from: b.pointer, count: outFeatures) }
            Engine.sharedSGEMM(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                               a: x.pointer, lda: inFeatures, b: w.pointer, ldb: inFeatures, beta: 1, c: out.pointer, ldc: outFeatures)
        }
        let packedOnce = PackedWeight(w)
        let viaPacked = fastest(repetitions: repetitions) {
            let packed = packingEachCall ? PackedWeight(w) : packedOnce
            packed.multiply(x.pointer, rows: rows, bias: b.pointer, into: out.pointer)
        }
        return (Result(name: name + " sgemm", seconds: viaSgemm, flops: flops),
                Result(name: name + " packed", seconds: viaPacked, flops: flops))
    }

    /// A pre-norm transformer block (LayerNorm → multi-head self-attention with biased QKV
    /// and output projections → residual; LayerNorm → MLP ×4 with GELU → residual), forward
    /// and backward to every parameter and the input. FLOPs counted as 3 × the forward's
    /// `24·L·D² + 4·L²·D` per sequence.
    public static func transformerBlock(batch: Int, length: Int, width: Int, heads: Int,
                                        causal: Bool = false, repetitions: Int = 3) -> Result {
        var generator = Engine.RandomGenerator(seed: 2)
        func parameter(_ shape: [Int], _ std: Float) -> Tensor {
            Tensor.randomNormal(shape, standardDeviation: std, generator: &generator, requiresGrad: true)
        }
        let x = Tensor.randomNormal([batch, length, width], generator: &generator, requiresGrad: true)
        let norm1 = (parameter([width], 0.1), parameter([width], 0.1))
        let norm2 = (parameter([width], 0.1), parameter([width], 0.1))
        let qkv = (parameter([3 * width, width], 0.05), parameter([3 * width], 0.05))
        let projection = (parameter([width, width], 0.05), parameter([width], 0.05))
        let up = (parameter([4 * width, width], 0.05), parameter([4 * width], 0.05))
        let down = (parameter([width, 4 * width], 0.05), parameter([width], 0.05))
        let seconds = fastest(repetitions: repetitions) {
            let loss = Engine.withGradients { () -> Tensor in
                let h = x.layerNorm(weight: norm1.0, bias: norm1.1).linear(weight: qkv.0, bias: qkv.1)
                let a = Tensor.attention(packedQKV: h, heads: heads, causal: causal)
                    .linear(weight: projection.0, bias: projection.1) + x
                let m = a.layerNorm(weight: norm2.0, bias: norm2.1).linear(weight: up.0, bias: up.1).gelu()
                    .linear(weight: down.0, bias: down.1) + a
                return m.mean()
            }
            loss.backward()
        }
        let l = Double(length), d = Double(width)
        let flops = 3 * Double(batch) * (24 * l * d * d + 4 * l * l * d)
        return Result(name: "block fwd+bwd batch \(batch) × \(length) tokens × \(width) (\(heads) heads), \(Engine.threadCount) threads",
                      seconds: seconds, flops: flops)
    }

    private static func now(_ clock: clockid_t) -> Double {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}

extension Engine {
    /// ``EngineBenchmark/packedLinear(rows:inFeatures:outFeatures:packingEachCall:repetitions:)``, reachable
    /// from modules whose own `EngineBenchmark` hides this module's.
    public static func benchmarkPackedLinear(rows: Int, inFeatures: Int, outFeatures: Int, packingEachCall: Bool = false,
                                                repetitions: Int = 20) -> (sgemm: EngineBenchmark.Result, packed: EngineBenchmark.Result) {
        EngineBenchmark.packedLinear(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                                        packingEachCall: packingEachCall, repetitions: repetitions)
    }
}
