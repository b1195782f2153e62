import ArgumentParser
import Engine
import Foundation
import ModelStore
import Studio

/// `fractalmidi studio`: the model in a browser (``StudioServer``).
struct StudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "Serve FractalMIDI Studio, the model in a browser: open, hear, edit, regenerate and continue music.",
        discussion: """
            Prints the address to open. The page and its API are described in docs/STUDIO.md. \
            The server binds to 127.0.0.1 unless --host names another address; then anyone who \
            can reach the port can use the model and read the sessions. Stop it with Ctrl+C.
            """
    )

    @Option(help: ArgumentHelp("A training run folder or a checkpoint folder (default: the bundled model in models/default/).",
                               valueName: "dir"))
    var model: String?

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "The address to listen on; anything but loopback serves the network.")
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("The folder sessions are saved in (default: ~/.fractalmidi/sessions).", valueName: "dir"))
    var sessions: String?

    @Option(help: "Compute threads (default: every core but one, so that the server and the browser keep one).")
    var threads: Int?

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port \(port) is outside 0…65535; use e.g. 8080") }
        guard !host.isEmpty, host.count <= 255 else { throw ValidationError("--host '\(host)' is not an address; use e.g. 127.0.0.1") }
        try ComputeThreads.validate(threads)
    }

    /// Whether `host` only reaches this machine.
    var isLoopback: Bool { ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.") }

    func run() throws {
        Engine.setThreadCount(threads ?? max(1, ThreadPool.availableCores - 1))
        let trained = try TrainedModel.load(from: model.map { URL(fileURLWithPath: $0) })
        guard let web = StudioServer.defaultWebFolder() else {
            throw InputError("cannot find the studio's page (Sources/Studio/Web or FractalMIDI_Studio.resources beside the executable); run fractalmidi from its build folder")
        }
        let folder = sessions.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".fractalmidi/sessions")
        let server = try StudioServer(model: trained, settings: .init(host: host, port: port, sessions: folder, web: web))
        if !isLoopback {
            FileHandle.standardError.write(Data("fractalmidi: warning: serving on \(host): anyone who can reach this port can use the model and read the sessions in \(folder.path)\n".utf8))
        }
        let host = host.contains(":") ? "[\(host)]" : host
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        Task {
            do {
                try await server.run { port in
                    FileHandle.standardOutput.write(Data("FractalMIDI Studio: http://\(host):\(port)/  (sessions in \(folder.path); Ctrl+C stops)\n".utf8))
                }
            } catch {
                failure = error
            }
            finished.signal()
        }
        finished.wait()
        if let failure { throw InputError("cannot serve on \(host):\(port) (\(failure)); choose another --port or --host") }
        // Stopped by SIGINT or SIGTERM. Leave without the libraries' exit handlers: OpenBLAS's
        // joins its worker threads there, and after products run on the generation queue's
        // threads that join never returned (seen with OpenBLAS 0.3.21). Everything the server
        // wrote is already on disk (sessions go through AtomicFile), so nothing is lost.
        _exit(0)
    }
}
