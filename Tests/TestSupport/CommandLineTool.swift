import Foundation

/// Runs the built `fractalmidi` executable in a subprocess, for end-to-end tests of the
/// command line: exit status, standard output and standard error.
public struct CommandLineTool: Sendable {
    /// What one run of the tool produced.
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// The executable, found beside the test bundle (SwiftPM puts both in one products folder).
    public let executable: URL

    /// Finds the `fractalmidi` executable built with the tests.
    public init() throws {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates: [URL] = []
        var folder = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("fractalmidi"))
            folder = folder.deletingLastPathComponent()
        }
        for configuration in ["release", "debug"] {
            candidates.append(SharedData.repositoryRoot.appendingPathComponent(".build/\(configuration)/fractalmidi"))
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CommandLineToolError(message: "fractalmidi executable not found near \(testBinary.path); build the package first")
        }
        executable = found
    }

    /// The tool at `executable` (for example a copy away from the repository).
    public init(executable: URL) {
        self.executable = executable
    }

    /// Runs the tool with `arguments`, in `directory` when given, with `environment` over this
    /// process's environment, and waits for it to end.
    public func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = makeProcess(arguments, in: directory, environment: environment)
        // Files rather than pipes: a chatty process cannot block on a full pipe buffer.
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let outputURL = folder.url.appendingPathComponent("stdout")
        let errorURL = folder.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try output.close()
        try errors.close()
        let outputData = try Data(contentsOf: outputURL)
        let errorData = try Data(contentsOf: errorURL)
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self)
        )
    }
}

extension CommandLineTool {
    /// Starts the tool with `arguments` and returns at once, its output discarded, for tests
    /// that stop it from outside (signals).
    public func start(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Process {
        let process = makeProcess(arguments, in: directory, environment: environment)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}

extension CommandLineTool {
    /// Starts the tool with `arguments` and returns at once, its standard output and error
    /// written to `file` as they come, for tests that talk to a server it starts.
    public func start(_ arguments: [String], writingOutputTo file: URL) throws -> Process {
        let process = makeProcess(arguments, in: nil, environment: [:])
        FileManager.default.createFile(atPath: file.path, contents: nil)
        let handle = try FileHandle(forWritingTo: file)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A process of the tool with `arguments`, in `directory` when given, with `environment`
    /// over this process's environment; not started.
    func makeProcess(_ arguments: [String], in directory: URL?, environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        return process
    }
}

/// The tool could not be found or started.
public struct CommandLineToolError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A fresh temporary folder for one test, removed by the caller with `remove()`.
public struct TemporaryFolder: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fractalmidi-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
