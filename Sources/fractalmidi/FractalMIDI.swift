import ArgumentParser
import Foundation

/// The `fractalmidi` command: the entry point that dispatches to its subcommands.
///
/// Every failure a user can cause ends the same way: one line on standard error that names
/// the problem and the fix, and exit status 1. Help and version requests exit with 0.
@main
struct FractalMIDI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fractalmidi",
        abstract: "Learn piano music from MIDI files and write new music with a fractal generative model.",
        version: "0.1.0",
        subcommands: [
            GenerateCommand.self, ContinueCommand.self, InpaintCommand.self,
            InfoCommand.self, RollCommand.self, PlanCommand.self, DataCommand.self, TrainCommand.self,
            EvalCommand.self, BenchCommand.self, StudyCommand.self, StudioCommand.self,
        ]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exitReportingUserError(error)
        }
    }

    /// Prints `error` as one line and exits: 0 for help and version requests, 1 otherwise.
    static func exitReportingUserError(_ error: any Error) -> Never {
        if exitCode(for: error) == .success {
            exit(withError: error)
        }
        let message = oneLine(message(for: error))
        FileHandle.standardError.write(Data("fractalmidi: \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// Collapses a possibly multi-line message into one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

/// `fractalmidi bench`: measured speed of the parts of the system.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of MIDI parsing, the engine and the model.",
        subcommands: [BenchMIDICommand.self, BenchDataCommand.self, BenchEngineCommand.self, BenchModelCommand.self]
    )
}
