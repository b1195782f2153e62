import ArgumentParser
import Engine
import Evaluation
import FileWriting
import Foundation

/// `fractalmidi eval --generated DIR --reference DIR` and/or `--checkpoint CKPT --data LIST`:
/// how closely the musical statistics of generated music match those of real music, and how
/// well a trained model predicts music it has not seen.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compare generated music with real music, and measure a model's bits per cell on real music.",
        discussion: """
            With --generated and --reference: reads every .mid/.midi file under each folder \
            (recursively), measures 14 statistics of each piece's quantised piano roll (pitch range, \
            polyphony, scale consistency, groove consistency, note density, …; definitions as in \
            muspy) and compares the two sets' distributions per statistic: overlapping area (OA, 1 = \
            identical) and KL divergence KL(reference ‖ generated) in nats of Gaussian kernel density \
            estimates (Scott's bandwidth). Prints a table and the mean OA. Unreadable files are \
            skipped with a warning.

            With --checkpoint and --data: the model's bits per cell on that music, computed as the \
            trainer's validation (fixed crops and masks), beside the baseline: the entropy of the \
            music's cell classes, which a model that ignored all context would spend.
            """
    )

    @Option(help: "Folder of generated MIDI files (with --reference).", completion: .directory)
    var generated: String?

    @Option(help: "Folder of reference (real) MIDI files (with --generated).", completion: .directory)
    var reference: String?

    @Option(help: "A training run folder (its best checkpoint) or a checkpoint folder to score (with --data).",
            completion: .directory)
    var checkpoint: String?

    @Option(help: "The music to score the checkpoint on: a file list (labels as in training) or a folder (with --checkpoint).",
            completion: .file())
    var data: String?

    @Option(help: "Also write the results as JSON here.", completion: .file(extensions: ["json"]))
    var json: String?

    @Option(help: "Also draw the two distributions of every statistic as a PNG chart here (with --generated).",
            completion: .file(extensions: ["png"]))
    var chart: String?

    @Option(help: "Compute threads for scoring a checkpoint (default: every core).")
    var threads: Int?

    func validate() throws {
        try ComputeThreads.validate(threads)
        guard (generated == nil) == (reference == nil) else {
            throw ValidationError("--generated and --reference go together; give both folders")
        }
        guard (checkpoint == nil) == (data == nil) else {
            throw ValidationError("--checkpoint and --data go together; give the model and the music to score it on")
        }
        guard generated != nil || checkpoint != nil else {
            throw ValidationError("nothing to evaluate; give --generated DIR --reference DIR, or --checkpoint CKPT --data LIST, or both")
        }
        if chart != nil, generated == nil {
            throw ValidationError("--chart draws the statistics of --generated and --reference; give those folders too")
        }
    }

    func run() throws {
        var object: [String: Any] = [:]
        if let generated, let reference {
            let comparison = try compare(generated: generated, reference: reference)
            object.merge(comparison.jsonObject) { $1 }
            if let chart {
                let url = URL(fileURLWithPath: chart)
                try comparison.writeChart(to: url)
                print("wrote \(url.path)")
            }
        }
        if let checkpoint, let data {
            Engine.setThreadCount(threads ?? ThreadPool.availableCores)
            let likelihood = try CheckpointLikelihood.measure(checkpoint: checkpoint, data: data)
            print(likelihood.summary, terminator: "")
            object.merge(likelihood.jsonObject) { $1 }
        }
        if let json {
            let url = URL(fileURLWithPath: json)
            let text = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            do {
                try AtomicFile.write(text, to: url)
            } catch {
                throw EvaluationError.writeFailed(url, reason: error.reason)
            }
            print("wrote \(url.path)")
        }
    }

    /// The statistics of the two folders compared, with the table printed.
    private func compare(generated: String, reference: String) throws -> SetComparison {
        let warn: (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        let generatedSet = try PieceSet(folder: URL(fileURLWithPath: generated), role: "generated", warn: warn)
        let referenceSet = try PieceSet(folder: URL(fileURLWithPath: reference), role: "reference", warn: warn)
        let comparison = SetComparison(generated: generatedSet.statistics, reference: referenceSet.statistics)
        print(comparison.table, terminator: "")
        let skipped = generatedSet.skipped + referenceSet.skipped
        if skipped > 0 {
            print("skipped \(skipped) unreadable file\(skipped == 1 ? "" : "s") "
                + "(\(generatedSet.skipped) generated, \(referenceSet.skipped) reference)")
        }
        return comparison
    }
}
