import Foundation
import Engine
import NN
import PianoRoll
#if canImport(Glibc)
import Glibc
#endif

/// Measured training and sampling speed of a model, for `fractalmidi bench model`.
///
/// A training step is the loss and its gradient (``FractalGenerativeModel/trainingStep(cells:labels:width:gradientScale:chunkCells:rng:)``) and an AdamW update on a batch of random
/// piano-roll-like rolls (fixed seed); its time is the median of the timed steps after one
/// warm-up step. Sampling generates one roll. FLOP rates use `FractalPlan`'s counts.
public struct ModelBenchmark: Sendable {
    /// What one run measured.
    public struct Result: Sendable, Equatable {
        /// Median seconds of one training step (forward, backward, optimizer) on `batch` rolls.
        public let trainStepSeconds: Double
        /// Seconds to sample one roll.
        public let sampleSeconds: Double
        /// Achieved training GFLOP/s (plan FLOPs per roll × batch / step time).
        public let trainGFLOPs: Double
        /// Achieved sampling GFLOP/s (plan sampling FLOPs / sample time).
        public let sampleGFLOPs: Double
        /// Peak resident memory of the process in MB while training (before sampling).
        public let trainPeakRSSMegabytes: Double
        /// Peak resident memory of the process in MB (training and sampling).
        public let peakRSSMegabytes: Double
    }

    /// The configuration measured (width and iterations already applied).
    public let config: FractalConfig
    /// Rolls per training step.
    public let batch: Int
    /// Timed training steps (after one warm-up step).
    public let steps: Int

    /// A benchmark of `config` with `batch` rolls of `width` steps (the config's crop length
    /// when nil) and sampling iterations `iterations` (the config's `num_iter_list` when nil).
    ///
    /// - Throws: `PlanError` when the width or the iterations do not fit the model.
    public init(config: FractalConfig, batch: Int, width: Int? = nil, iterations: [Int]? = nil, steps: Int = 3) throws(PlanError) {
        guard batch >= 1 else { throw PlanError("batch \(batch) must be at least 1") }
        guard steps >= 1 else { throw PlanError("steps \(steps) must be at least 1") }
        var config = config
        if let width { config.data.cropLength = width }
        if let iterations {
            let marLevels = config.model.generatorTypes.filter { $0 == .mar }.count
            guard iterations.count == marLevels, iterations.allSatisfy({ $0 >= 1 }) else {
                throw PlanError("--iters \(iterations.map(String.init).joined(separator: ",")) needs \(marLevels) numbers of at least 1, one per MAR level")
            }
            config.sampling.numIterList = iterations
        }
        _ = try FractalPlan(config: config, width: config.data.cropLength)
        self.config = config
        self.batch = batch
        self.steps = steps
    }

    /// Runs the measurements.
    public func run() throws(PlanError) -> Result {
        let width = config.data.cropLength
        let plan = try FractalPlan(config: config, width: width)
        let model = FractalGenerativeModel(config: config, seed: UInt64(truncatingIfNeeded: config.seed))
        let cells = Self.randomRolls(count: batch, width: width, velocityBins: config.model.velocityBins, seed: 1)
        let labels = [Int32](repeating: 0, count: batch)
        let optimizer = AdamW(parameters: model.namedParameters())
        var rng = Engine.RandomGenerator(seed: 2)
        var timings: [Double] = []
        for step in 0...steps {
            let start = DispatchTime.now().uptimeNanoseconds
            model.trainingStep(cells: cells, labels: labels, width: width, rng: &rng)
            optimizer.step(learningRate: 1e-4)
            optimizer.zeroGradients()
            if step > 0 { timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        let trainStep = timings.sorted()[timings.count / 2]
        let trainPeak = Self.peakResidentMegabytes()

        var settings = config.sampling.seeded(3)
        // The reference's work, which `samplingFLOPs` counts: one pass, no seam pass.
        settings.redrawSeams = false
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            _ = try model.sample(count: 1, options: settings)
        } catch {
            throw PlanError(error.message)
        }
        let sample = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(trainStepSeconds: trainStep, sampleSeconds: sample,
                      trainGFLOPs: plan.trainingFLOPs * Double(batch) / trainStep / 1e9,
                      sampleGFLOPs: plan.samplingFLOPs / sample / 1e9,
                      trainPeakRSSMegabytes: trainPeak, peakRSSMegabytes: Self.peakResidentMegabytes())
    }

    /// `count` random rolls that look like piano music: about one note per step between
    /// pitches 36 and 96, 1–8 steps long, random velocity bins; codes as `PianoRoll.codes`.
    public static func randomRolls(count: Int, width: Int, velocityBins: Int, seed: UInt64) -> [UInt8] {
        var rng = Engine.RandomGenerator(seed: seed)
        var cells = [UInt8](repeating: 0, count: count * PianoRoll.pitchCount * width)
        for roll in 0..<count {
            for _ in 0..<width {
                let pitch = 36 + Int(rng.next() % 61)
                let start = Int(rng.next() % UInt64(width))
                let length = 1 + Int(rng.next() % 8)
                let bin = Int(rng.next() % UInt64(velocityBins))
                let row = (roll * PianoRoll.pitchCount + pitch) * width
                cells[row + start] = PianoRoll.Cell.firstOnsetCode + UInt8(bin)
                for step in (start + 1)..<min(width, start + length) where cells[row + step] == 0 { cells[row + step] = 1 }
            }
        }
        return cells
    }

    /// The process's peak resident set size in MB.
    static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
    }
}
