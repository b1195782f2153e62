import ArgumentParser
import Evaluation
import Foundation

/// `fractalmidi eval --generated DIR --reference DIR`: how closely the musical statistics of
/// generated music match those of real music.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compare the musical statistics of generated MIDI files with those of reference files.",
        discussion: """
            Reads every .mid/.midi file under each folder (recursively), measures 14 statistics of \
            each piece's quantised piano roll (pitch range, polyphony, scale consistency, groove \
            consistency, note density, …; definitions as in muspy) and compares the two sets' \
            distributions per statistic: overlapping area (OA, 1 = identical) and KL divergence \
            KL(reference ‖ generated) in nats of Gaussian kernel density estimates (Scott's \
            bandwidth). Prints a table and the mean OA. Unreadable files are skipped with a warning.
            """
    )

    @Option(help: "Folder of generated MIDI files.", completion: .directory)
    var generated: String

    @Option(help: "Folder of reference (real) MIDI files.", completion: .directory)
    var reference: String

    @Option(help: "Also write the comparison as JSON here.", completion: .file(extensions: ["json"]))
    var json: String?

    @Option(help: "Also draw the two distributions of every statistic as a PNG chart here.",
            completion: .file(extensions: ["png"]))
    var chart: String?

    func run() throws {
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
        if let json {
            let url = URL(fileURLWithPath: json)
            try comparison.writeJSON(to: url)
            print("wrote \(url.path)")
        }
        if let chart {
            let url = URL(fileURLWithPath: chart)
            try comparison.writeChart(to: url)
            print("wrote \(url.path)")
        }
    }
}
