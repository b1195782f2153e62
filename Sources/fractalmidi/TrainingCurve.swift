import Foundation
import ModelStore
import Training

/// A training run's speed and validation curve, read from its `log.jsonl`: the seconds each
/// logged window of steps took, and every validation result placed at the training time it
/// was reached.
///
/// Time here is stepping time (the windows' own steps per second), without validation,
/// checkpoints and previews, so runs that validate equally often compare fairly. A resumed run
/// may log a step twice (logged, then redone after a stop before its checkpoint); the last
/// record of a step counts.
struct TrainingCurve: Equatable {
    /// One validation result.
    struct Point: Equatable, Codable {
        var step: Int
        var seconds: Double
        var bitsPerCell: Double
    }

    /// Seconds of one step: the median over the logged windows.
    let secondsPerStep: Double?
    /// Training rolls per second: the median over the logged windows.
    let examplesPerSecond: Double?
    /// Stepping seconds up to the last logged step.
    let seconds: Double
    /// The last logged step.
    let lastStep: Int
    /// The validation results, in step order.
    let points: [Point]

    /// The curve of the records of one log.
    init(records: [RunLogRecord]) {
        var windows: [Int: RunLogRecord] = [:]
        var validations: [Int: Double] = [:]
        for record in records {
            if let bits = record.valBitsPerCell { validations[record.step] = bits }
            if let rate = record.stepsPerS, rate > 0 { windows[record.step] = record }
        }
        // Each window's steps took 1 / its rate each; a validation inside a window is placed
        // by that window's rate.
        var windowEnds: [(step: Int, seconds: Double, rate: Double)] = []
        var total = 0.0
        var previous = 0
        var stepSeconds: [Double] = [], examples: [Double] = []
        for step in windows.keys.sorted() {
            let record = windows[step]!
            let rate = record.stepsPerS!
            total += Double(step - previous) / rate
            windowEnds.append((step, total, rate))
            stepSeconds.append(1 / rate)
            if let examplesPerS = record.examplesPerS { examples.append(examplesPerS) }
            previous = step
        }
        secondsPerStep = Self.median(stepSeconds)
        examplesPerSecond = Self.median(examples)
        seconds = total
        lastStep = previous
        points = validations.keys.sorted().map { step in
            let seconds: Double
            if let end = windowEnds.firstIndex(where: { $0.step >= step }) {
                let window = windowEnds[end]
                seconds = window.seconds - Double(window.step - step) / window.rate
            } else {
                seconds = total
            }
            return Point(step: step, seconds: seconds, bitsPerCell: validations[step]!)
        }
    }

    /// A curve of validation `points` alone (no speed figures), for reading common points.
    init(points: [Point]) {
        secondsPerStep = nil
        examplesPerSecond = nil
        seconds = points.last?.seconds ?? 0
        lastStep = points.last?.step ?? 0
        self.points = points
    }

    /// The curve of the run folder `run`.
    init(run: URL) throws(CheckpointError) {
        self.init(records: try RunLog.records(at: run.appendingPathComponent(RunLog.fileName)))
    }

    /// The last validation result at or before `step` (nil when there is none).
    func point(atStep step: Int) -> Point? {
        points.last { $0.step <= step }
    }

    /// The last validation result reached within `seconds` of training (nil when there is none).
    func point(withinSeconds seconds: Double) -> Point? {
        points.last { $0.seconds <= seconds * (1 + 1e-9) }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
