import Foundation

/// The trainer's progress on standard error: on a terminal one status line redrawn in place
/// (at most ten times a second); otherwise one plain line per logged step.
final class TrainerProgress {
    private let totalSteps: Int
    private let isTerminal: Bool
    private let write: @Sendable (String) -> Void
    private var startStep = 0
    private var startTime: UInt64 = 0
    private var lastDraw: UInt64 = 0
    private var drawn = false

    init(totalSteps: Int, isTerminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.totalSteps = totalSteps
        self.isTerminal = isTerminal
        self.write = write
    }

    func start(step: Int) {
        startStep = step
        startTime = DispatchTime.now().uptimeNanoseconds
    }

    /// Redraws the status line after `step` (terminal only).
    func update(step: Int, window: LossWindow, learningRate: Double) {
        guard isTerminal else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard Double(now - lastDraw) / 1e9 >= 0.1 || step == totalSteps else { return }
        lastDraw = now
        let record = window.record(step: step, learningRate: learningRate)
        write("\r\u{1B}[K" + line(for: record))
        drawn = true
    }

    /// Prints the line of a logged step (plain output only; a terminal has its status line).
    func logged(record: RunLogRecord) {
        guard !isTerminal else { return }
        write(line(for: record) + "\n")
    }

    /// Prints a line of its own (a validation result, a warning).
    func note(_ text: String) {
        write((isTerminal && drawn ? "\r\u{1B}[K" : "") + text + "\n")
        drawn = false
    }

    func finish(outcome: TrainingOutcome) {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - startTime) / 1e9
        switch outcome {
        case .finished(let step):
            note("trained to step \(step) in \(ProgressReporter.duration(elapsed))")
        case .interrupted(let step, let signal):
            note("stopped by signal \(signal) after step \(step); checkpoint written")
        case .timeUp(let step):
            note("time budget spent after step \(step) in \(ProgressReporter.duration(elapsed)); checkpoint written")
        }
    }

    /// `step 120/200 (60%)  loss 2.3456  1.2340 bits/cell  lr 9.87e-04  3.20 steps/s  12.8 examples/s  ETA 0:25`.
    private func line(for record: RunLogRecord) -> String {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - startTime) / 1e9
        let done = record.step - startStep
        let overallRate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "step \(record.step)/\(totalSteps) (\(record.step * 100 / max(totalSteps, 1))%)"
        text += String(format: "  loss %.4f  %.4f bits/cell  lr %.2e  %.2f steps/s  %.1f examples/s",
                       record.loss ?? .nan, record.bitsPerCell ?? .nan, record.lr ?? .nan,
                       record.stepsPerS ?? 0, record.examplesPerS ?? 0)
        if overallRate > 0, record.step < totalSteps {
            text += "  ETA " + ProgressReporter.duration(Double(totalSteps - record.step) / overallRate)
        }
        return text
    }
}
