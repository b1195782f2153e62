import Engine
import Evaluation
import Foundation
import FractalModel
import Generation
import ModelStore
import PianoRoll
import Training

/// What `study patch-sizes` measured of one arm (`arms/patch-N/result.json`).
struct PatchSizeArmResult: Codable, Equatable {
    /// The generated pieces beside the real excerpts for one statistic of `eval --generated`.
    struct StatisticComparison: Codable, Equatable {
        var statistic: String
        /// The sets' means (nil when no piece has a value).
        var generatedMean: Double?
        var referenceMean: Double?
        /// The overlapping area of the two sets' distributions (nil when it cannot be computed).
        var overlappingArea: Double?
    }

    /// How often notes end exactly on one level's patch borders.
    struct BorderEndingShares: Codable, Equatable {
        /// The level whose patch borders these are.
        var level: Int
        /// The border spacing in steps (that level's patch width).
        var period: Int
        var generatedShare: Double
        var generatedNotes: Int
        var referenceShare: Double
        var referenceNotes: Int
    }

    var patchSize: Int
    var imgSizeList: [Int]
    var tokensPerLevel: [Int]
    var parameters: Int
    /// Planned FLOPs to train on one roll (forward and backward) and to sample one roll.
    var plannedTrainingFlops: Double
    var plannedSamplingFlops: Double
    /// The planned figures relative to the study config's own hierarchy.
    var parameterRatio: Double
    var trainingFlopsRatio: Double
    var samplingFlopsRatio: Double
    /// Planned attention-score memory of one training roll, in bytes.
    var plannedAttentionBytes: Double

    var budget: StudyBudget
    var pieceCount: Int
    var steps: Int
    var batchSize: Int
    /// Wall-clock seconds of training with validation and checkpoints, all sessions.
    var trainingSeconds: Double
    /// Stepping seconds (the log's windows) to `steps`.
    var steppingSeconds: Double
    var secondsPerStep: Double?
    var examplesPerSecond: Double?
    var peakMegabytes: Double
    var residentAtStartMegabytes: Double?
    var peakIsPerArm: Bool
    /// Seconds to sample one 8-bar roll with the arm's sampling settings (seam pass included).
    var sampleSeconds: Double
    var validationBitsPerCell: Double
    var baselineBitsPerCell: Double
    /// The validation curve, the x of the equal-steps and equal-time comparisons.
    var curve: [TrainingCurve.Point]
    /// The mean OA over the statistics of `eval --generated` (nil when none could be compared).
    var meanOverlappingArea: Double?
    var statistics: [StatisticComparison]
    var borderEndings: [BorderEndingShares]
    /// The picture of the first piece, relative to the study folder.
    var picture: String

    /// The validation result as a share of the validation music's baseline.
    var baselineShare: Double { validationBitsPerCell / baselineBitsPerCell }

    /// The validation curve with time as steps × the median seconds per step (the logged
    /// time when there is no rate). A shared machine slows some of a run's logged windows —
    /// another job, a process paused for a while — and the median window's rate is the arm's
    /// own speed, so arms trained under different loads compare fairly at equal time.
    var curveAtMedianRate: [TrainingCurve.Point] {
        guard let secondsPerStep else { return curve }
        return curve.map { TrainingCurve.Point(step: $0.step, seconds: Double($0.step) * secondsPerStep, bitsPerCell: $0.bitsPerCell) }
    }

    /// Stepping time to `steps` at the median rate (see ``curveAtMedianRate``).
    var steppingSecondsAtMedianRate: Double {
        secondsPerStep.map { Double(steps) * $0 } ?? steppingSeconds
    }
}

/// Measures one trained arm of a patch-size study, the same way for every arm: its plan, its
/// training speed and memory (from the run's log and the training sessions), its validation
/// bits per cell (`eval --checkpoint`), and generated 8-bar pieces against the real excerpts
/// (`eval --generated`, plus notes ending on patch borders).
struct PatchSizeArmMeasurement {
    let arm: PatchSizeStudy.Arm
    let study: PatchSizeStudy

    /// The statistics of `eval --generated` the report shows beside the mean OA.
    static let reportedStatistics: [Statistic] = [.noteDensity, .polyphony, .pitchRange, .meanNoteDuration]

    /// The seed of the generated pieces (the same for every arm).
    static let seed: UInt64 = 1

    func measure(session: TrainingSessions) throws -> PatchSizeArmResult {
        let checkpoint = try Checkpoint.load(from: arm.runFolder, choosing: .latest)
        let curve = try TrainingCurve(run: arm.runFolder)
        let likelihood = try CheckpointLikelihood.measure(checkpoint: checkpoint.directory.path, data: study.valData)

        let model = FractalGenerativeModel(config: checkpoint.config, seed: 0)
        try checkpoint.loadParameters(into: model)
        let pieces = arm.folder.appendingPathComponent("pieces", isDirectory: true)
        let sampleSeconds = try generatePieces(model: model, checkpoint: checkpoint, into: pieces)

        let warn: (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        let generated = try PieceSet(folder: pieces, role: "generated", warn: warn)
        let reference = try PieceSet(folder: study.referenceFolder, role: "reference", warn: warn)
        let comparison = SetComparison(generated: generated.statistics, reference: reference.statistics)
        let statistics = Self.reportedStatistics.map { statistic in
            PatchSizeArmResult.StatisticComparison(
                statistic: statistic.rawValue,
                generatedMean: Self.mean(generated.statistics.map { $0[statistic] }),
                referenceMean: Self.mean(reference.statistics.map { $0[statistic] }),
                overlappingArea: comparison.entries.first { $0.statistic == statistic }?.comparison.flatMap { Self.finite($0.overlappingArea) })
        }
        let generatedRolls = try generated.files.map { try PianoRoll(contentsOf: $0) }
        let referenceRolls = try reference.files.map { try PianoRoll(contentsOf: $0) }
        let sides = arm.config.model.imgSizeList
        let borders = (0..<min(2, sides.count - 2)).map { level in
            let period = sides[level + 1]
            let mine = BorderEndings(period: period, rolls: generatedRolls)
            let real = BorderEndings(period: period, rolls: referenceRolls)
            return PatchSizeArmResult.BorderEndingShares(
                level: level, period: period, generatedShare: mine.share, generatedNotes: mine.notes,
                referenceShare: real.share, referenceNotes: real.notes)
        }
        let picture = arm.folder.appendingPathComponent("piece.png")
        try PianoRollRenderer(PianoRollRenderer.Options(scale: 2)).render(generatedRolls[0]).writePNG(to: picture)

        let plan = arm.option.plan
        return PatchSizeArmResult(
            patchSize: arm.patchSize, imgSizeList: arm.config.model.imgSizeList, tokensPerLevel: plan.levels.map(\.tokens),
            parameters: plan.totalParameters, plannedTrainingFlops: plan.trainingFLOPs, plannedSamplingFlops: plan.samplingFLOPs,
            parameterRatio: arm.option.parameterRatio, trainingFlopsRatio: arm.option.trainingFLOPsRatio,
            samplingFlopsRatio: arm.option.samplingFLOPsRatio, plannedAttentionBytes: plan.attentionBytes,
            budget: study.budget, pieceCount: study.pieceCount, steps: checkpoint.state.step,
            batchSize: arm.config.training.trainBatchSize, trainingSeconds: session.seconds, steppingSeconds: curve.seconds,
            secondsPerStep: curve.secondsPerStep, examplesPerSecond: curve.examplesPerSecond,
            peakMegabytes: session.peakMegabytes, residentAtStartMegabytes: session.residentAtStartMegabytes,
            peakIsPerArm: session.peakIsPerArm, sampleSeconds: sampleSeconds,
            validationBitsPerCell: likelihood.bitsPerCell, baselineBitsPerCell: likelihood.baselineBitsPerCell,
            curve: curve.points, meanOverlappingArea: Self.finite(comparison.meanOverlappingArea), statistics: statistics,
            borderEndings: borders, picture: "arms/patch-\(arm.patchSize)/piece.png")
    }

    /// Generates the study's pieces (8 bars each, in the training music's main style, with
    /// the arm's sampling settings and the dynamics of its training music) through the
    /// generation pipeline `generate` uses, into `folder`, replacing earlier ones; returns the
    /// seconds the first piece took alone.
    private func generatePieces(model: FractalGenerativeModel, checkpoint: Checkpoint, into folder: URL) throws -> Double {
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let trained = TrainedModel(model: model, config: checkpoint.config, directory: checkpoint.directory,
                                   styles: checkpoint.state.styles ?? [], defaultStyle: checkpoint.state.defaultStyle,
                                   dynamics: checkpoint.state.dynamics)
        let pipeline = GenerationPipeline(model: trained)
        let progress = ProgressReporter(title: "\(arm.label): sampling", total: study.pieceCount, unit: "pieces")
        var pieces: [PianoRoll] = []
        var oneRoll = 0.0
        while pieces.count < study.pieceCount {
            // The first piece alone (timed), then batches of up to 8, each batch seeded by its
            // first piece's index so that every arm draws from the same seeds.
            let count = pieces.isEmpty ? 1 : min(8, study.pieceCount - pieces.count)
            var request = try GenerationRequest.newPieces(steps: PatchSizeStudy.pieceSteps,
                                                          velocityBins: checkpoint.config.model.velocityBins)
            request.count = count
            request.seed = Self.seed &+ UInt64(pieces.count)
            let start = DispatchTime.now().uptimeNanoseconds
            pieces += try pipeline.run(request).pieces
            if pieces.count == 1 { oneRoll = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            progress.advance(by: count)
        }
        progress.finish()
        for (index, roll) in pieces.enumerated() {
            try roll.writeMIDI(to: folder.appendingPathComponent(String(format: "piece-%02d.mid", index + 1)))
        }
        return oneRoll
    }

    /// The mean of the finite `values` (nil when there is none).
    static func mean(_ values: [Double]) -> Double? {
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count)
    }

    /// `value` when finite (JSON has no NaN), else nil.
    static func finite(_ value: Double) -> Double? {
        value.isFinite ? value : nil
    }
}
