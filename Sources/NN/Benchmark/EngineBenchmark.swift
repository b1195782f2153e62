import Engine
import Foundation

/// Measures the engine against the machine's matrix-multiply roof (`fractalmidi bench engine`):
/// OpenBLAS `sgemm` shared over the threads, a Linear layer of the same size, and
/// transformer-block training steps (forward + backward) at two shapes.
public struct EngineBenchmark: Sendable {
    /// The measured numbers. Rates are in GFLOP/s (10⁹ floating-point operations per second),
    /// times are medians in milliseconds.
    public struct Result: Sendable, Codable, Equatable {
        /// Threads used by the engine.
        public var threads: Int
        /// OpenBLAS `sgemm` on 2048×512 · 512×2048, one strip per thread (`Tensor.matmul`).
        public var sgemmGFLOPS: Double
        /// `Linear` forward, 2048 rows, 512 → 2048 features.
        public var linearGFLOPS: Double
        /// Median time of one block forward + backward at batch 8, 256 tokens, width 512, 8 heads.
        public var blockMilliseconds: Double
        /// Its rate.
        public var blockGFLOPS: Double
        /// Median time of one block forward + backward at batch 8000, 21 tokens, width 128, 2 heads.
        public var smallBlockMilliseconds: Double
        /// Its rate.
        public var smallBlockGFLOPS: Double
        /// Inference `linear` products of the sampler's sizes, through `sgemm` and through a
        /// weight packed once (what inference uses).
        public var inferenceProducts: [LinearProduct] = []
        /// Training-batch `linear` products of narrow layers, through `sgemm` and through a
        /// weight packed for each call (what a training step uses for them).
        public var trainingProducts: [LinearProduct] = []

        /// A result from measured values.
        public init(threads: Int, sgemmGFLOPS: Double, linearGFLOPS: Double, blockMilliseconds: Double,
                    blockGFLOPS: Double, smallBlockMilliseconds: Double, smallBlockGFLOPS: Double) {
            self.threads = threads
            self.sgemmGFLOPS = sgemmGFLOPS
            self.linearGFLOPS = linearGFLOPS
            self.blockMilliseconds = blockMilliseconds
            self.blockGFLOPS = blockGFLOPS
            self.smallBlockMilliseconds = smallBlockMilliseconds
            self.smallBlockGFLOPS = smallBlockGFLOPS
        }

        enum CodingKeys: String, CodingKey {
            case threads
            case sgemmGFLOPS = "sgemm_gflops"
            case linearGFLOPS = "linear_gflops"
            case blockMilliseconds = "block_ms"
            case blockGFLOPS = "block_gflops"
            case smallBlockMilliseconds = "small_block_ms"
            case smallBlockGFLOPS = "small_block_gflops"
            case inferenceProducts = "inference_products"
            case trainingProducts = "training_products"
        }
    }

    /// One `linear` product `[rows, inputs] → [rows, outputs]` measured two ways.
    public struct LinearProduct: Sendable, Codable, Equatable {
        public var rows: Int
        public var inputs: Int
        public var outputs: Int
        /// Through `sgemm`, which packs the weight on every call.
        public var sgemmGFLOPS: Double
        /// Through the engine's `PackedWeight` (packed once beforehand for inference, inside
        /// every call for training).
        public var packedGFLOPS: Double

        /// A measured product.
        public init(rows: Int, inputs: Int, outputs: Int, sgemmGFLOPS: Double, packedGFLOPS: Double) {
            self.rows = rows
            self.inputs = inputs
            self.outputs = outputs
            self.sgemmGFLOPS = sgemmGFLOPS
            self.packedGFLOPS = packedGFLOPS
        }

        enum CodingKeys: String, CodingKey {
            case rows, inputs, outputs
            case sgemmGFLOPS = "sgemm_gflops"
            case packedGFLOPS = "packed_gflops"
        }
    }

    /// The sampler's product sizes (the bundled model's levels 0, 1 and 2 with their condition
    /// tokens, and one training-sized batch for comparison).
    public static let inferenceShapes: [(rows: Int, inputs: Int, outputs: Int)] = [
        (69, 256, 768), (69, 256, 1024), (69, 1024, 256), (552, 256, 1024), (40, 128, 384), (40, 512, 128), (72, 64, 256),
        (1, 256, 128), (2, 32, 96),
    ]

    /// Narrow layers over one training step's rows: `config/train_cpu.yaml`'s level 2 (about
    /// 110 K rows of width 64) and level 1 (8.6 K of width 128), and `config/bench_small_mar.yaml`'s
    /// level 1 (17 K of width 256); forward and input-gradient shapes.
    public static let trainingShapes: [(rows: Int, inputs: Int, outputs: Int)] = [
        (110_250, 64, 192), (110_250, 64, 256), (110_250, 256, 64), (8_600, 128, 512), (8_600, 512, 128),
        (17_220, 256, 768), (17_220, 1024, 256),
    ]

    /// A block shape: batch × tokens × width with a number of heads.
    public struct BlockShape: Sendable, Equatable {
        public var batch: Int
        public var length: Int
        public var width: Int
        public var heads: Int

        /// A shape.
        public init(batch: Int, length: Int, width: Int, heads: Int) {
            self.batch = batch
            self.length = length
            self.width = width
            self.heads = heads
        }

        /// The floating-point operations of one forward + backward pass of a pre-norm block
        /// with an MLP ratio of 4 (matrix products only; norms, GELU and softmax are lower order):
        ///
        ///     forward  = 2·B·L·D·(3D)      qkv projection
        ///              + 2·B·L·D·D         output projection
        ///              + 2·B·L·D·(4D) · 2  MLP fc1 and fc2
        ///              + 2·B·L·L·D · 2     Q·Kᵀ and P·V over all heads
        ///              = 24·B·L·D² + 4·B·L²·D
        ///     backward = 2 × forward       (gradients for inputs and weights)
        ///     total    = 3 · (24·B·L·D² + 4·B·L²·D)
        ///
        /// B=8, L=256, D=512: 3 · (12.88 + 1.07) · 10⁹ ≈ 41.9 GFLOP.
        public var trainingFLOPs: Double {
            let (b, l, d) = (Double(batch), Double(length), Double(width))
            return 3 * (24 * b * l * d * d + 4 * b * l * l * d)
        }
    }

    /// The large block: one level-0 generator block of the default model.
    public static let largeBlock = BlockShape(batch: 8, length: 256, width: 512, heads: 8)
    /// The small block: a lower-level block with thousands of short sequences.
    public static let smallBlock = BlockShape(batch: 8000, length: 21, width: 128, heads: 2)

    /// Threads for the engine.
    public var threads: Int
    /// Timed repetitions of the large block (the small block uses about half as many, at least 2).
    public var iterations: Int

    /// A benchmark at `threads` threads with `iterations` timed block repetitions.
    public init(threads: Int, iterations: Int = 5) {
        precondition(threads > 0 && iterations > 0, "threads and iterations must be positive")
        self.threads = threads
        self.iterations = iterations
    }

    /// Runs every measurement (about a minute on two cores).
    public func run() -> Result {
        Engine.setThreadCount(threads)
        let sgemm = Self.sgemmGFLOPS(repetitions: 10)
        let linear = Self.linearGFLOPS(repetitions: 10)
        let large = Self.blockMilliseconds(Self.largeBlock, repetitions: iterations)
        let small = Self.blockMilliseconds(Self.smallBlock, repetitions: max(2, iterations / 2))
        var result = Result(
            threads: threads, sgemmGFLOPS: sgemm, linearGFLOPS: linear,
            blockMilliseconds: large, blockGFLOPS: Self.largeBlock.trainingFLOPs / large / 1e6,
            smallBlockMilliseconds: small, smallBlockGFLOPS: Self.smallBlock.trainingFLOPs / small / 1e6)
        result.inferenceProducts = Self.products(Self.inferenceShapes, packingEachCall: false, repetitions: 20)
        result.trainingProducts = Self.products(Self.trainingShapes, packingEachCall: true, repetitions: 5)
        return result
    }

    /// Each shape's `linear` product through `sgemm` and through a packed weight.
    static func products(_ shapes: [(rows: Int, inputs: Int, outputs: Int)], packingEachCall: Bool,
                         repetitions: Int) -> [LinearProduct] {
        shapes.map { shape in
            let (viaSgemm, viaPacked) = Engine.benchmarkPackedLinear(
                rows: shape.rows, inFeatures: shape.inputs, outFeatures: shape.outputs,
                packingEachCall: packingEachCall, repetitions: repetitions)
            return LinearProduct(rows: shape.rows, inputs: shape.inputs, outputs: shape.outputs,
                                 sgemmGFLOPS: viaSgemm.gigaflopsPerSecond, packedGFLOPS: viaPacked.gigaflopsPerSecond)
        }
    }

    /// The median of `repetitions` timings of `body` after one untimed warm-up run, in seconds.
    static func medianSeconds(repetitions: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }

    /// `C = A · B` with A 2048×512 and B 512×2048 through `Tensor.matmul`: OpenBLAS `sgemm`
    /// on each thread's strip of C, nothing recorded.
    static func sgemmGFLOPS(repetitions: Int) -> Double {
        let (m, k, n) = (2048, 512, 2048)
        var rng = Engine.RandomGenerator(seed: 1)
        let a = Tensor.randomUniform([m, k], in: -1..<1, generator: &rng)
        let b = Tensor.randomUniform([k, n], in: -1..<1, generator: &rng)
        let seconds = medianSeconds(repetitions: repetitions) { _ = a.matmul(b) }
        return 2 * Double(m * k * n) / seconds / 1e9
    }

    /// A `Linear(512 → 2048)` forward on 2048 rows (inference, no tape).
    static func linearGFLOPS(repetitions: Int) -> Double {
        var rng = Engine.RandomGenerator(seed: 2)
        let layer = Linear(inputFeatures: 512, outputFeatures: 2048, generator: &rng)
        let x = Tensor.randomNormal([2048, 512], generator: &rng)
        let seconds = medianSeconds(repetitions: repetitions) { _ = layer(x) }
        return 2 * 2048.0 * 512 * 2048 / seconds / 1e9
    }

    /// Median milliseconds of one training pass (forward, backward of Σ y·g) through a block.
    static func blockMilliseconds(_ shape: BlockShape, repetitions: Int) -> Double {
        var rng = Engine.RandomGenerator(seed: 3)
        let block = TransformerBlock(.init(width: shape.width, heads: shape.heads), generator: &rng)
        let dims = [shape.batch, shape.length, shape.width]
        let x = Tensor.randomNormal(dims, generator: &rng)
        let upstream = Tensor.randomNormal(dims, generator: &rng)
        let seconds = medianSeconds(repetitions: repetitions) {
            block.zeroGradients()
            Engine.withGradients { (block(x) * upstream).sum() }.backward()
        }
        return seconds * 1e3
    }
}

extension EngineBenchmark.Result {
    /// A table of the numbers with each rate's ratio to the sgemm roof.
    public var table: String {
        func row(_ name: String, _ ms: String, _ rate: Double) -> String {
            name.padding(toLength: 52, withPad: " ", startingAt: 0)
                + ms.leftPadded(10) + String(format: "%.1f", rate).leftPadded(10)
                + String(format: "%.2f", rate / sgemmGFLOPS).leftPadded(10)
        }
        let large = EngineBenchmark.largeBlock, small = EngineBenchmark.smallBlock
        let rows = [
            "engine benchmark, \(threads) thread\(threads == 1 ? "" : "s")",
            "".padding(toLength: 52, withPad: " ", startingAt: 0) + "ms".leftPadded(10) + "GFLOP/s".leftPadded(10) + "vs sgemm".leftPadded(10),
            row("sgemm 2048×512 · 512×2048", "", sgemmGFLOPS),
            row("Linear forward 2048 × (512 → 2048)", "", linearGFLOPS),
            row("block fwd+bwd B=8 L=256 D=512 H=8 (\(String(format: "%.1f", large.trainingFLOPs / 1e9)) GFLOP)",
                String(format: "%.1f", blockMilliseconds), blockGFLOPS),
            row("block fwd+bwd B=8000 L=21 D=128 H=2 (\(String(format: "%.1f", small.trainingFLOPs / 1e9)) GFLOP)",
                String(format: "%.1f", smallBlockMilliseconds), smallBlockGFLOPS),
        ]
        var lines = [String]()
        for (title, products) in [("inference linear, rows × (in → out)", inferenceProducts),
                                  ("training linear, packed per call", trainingProducts)] where !products.isEmpty {
            lines.append(title.padding(toLength: 52, withPad: " ", startingAt: 0)
                         + "sgemm".leftPadded(10) + "packed".leftPadded(10) + "speed-up".leftPadded(10))
            for product in products {
                let name = "\(product.rows) × (\(product.inputs) → \(product.outputs))"
                let speedUp = product.packedGFLOPS / product.sgemmGFLOPS
                lines.append(name.padding(toLength: 52, withPad: " ", startingAt: 0)
                             + String(format: "%.1f", product.sgemmGFLOPS).leftPadded(10)
                             + String(format: "%.1f", product.packedGFLOPS).leftPadded(10)
                             + String(format: "%.2f×", speedUp).leftPadded(10))
            }
        }
        return (rows + lines).joined(separator: "\n")
    }

    /// The numbers as one JSON object (keys `threads`, `sgemm_gflops`, `linear_gflops`,
    /// `block_ms`, `block_gflops`, `small_block_ms`, `small_block_gflops`, and
    /// `inference_products` and `training_products`: objects with `rows`, `inputs`, `outputs`,
    /// `sgemm_gflops`, `packed_gflops`).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
