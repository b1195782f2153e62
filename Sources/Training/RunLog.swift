import Foundation
import ModelStore

/// One line of a run's `log.jsonl`: a training step's numbers or a validation result.
public struct RunLogRecord: Sendable, Codable, Equatable {
    /// The optimizer step the numbers belong to.
    public var step: Int
    /// The mean training loss since the previous logged step.
    public var loss: Double?
    /// The mean training bits per cell since the previous logged step.
    public var bitsPerCell: Double?
    /// The learning rate of the step.
    public var lr: Double?
    /// Training examples per second since the previous logged step (time spent stepping:
    /// validation, previews and checkpoints left out).
    public var examplesPerS: Double?
    /// Optimizer steps per second since the previous logged step (time spent stepping).
    public var stepsPerS: Double?
    /// The validation result in bits per cell (validation lines only).
    public var valBitsPerCell: Double?

    /// A record; fields left nil are not written.
    public init(step: Int, loss: Double? = nil, bitsPerCell: Double? = nil, lr: Double? = nil,
                examplesPerS: Double? = nil, stepsPerS: Double? = nil, valBitsPerCell: Double? = nil) {
        self.step = step
        self.loss = loss
        self.bitsPerCell = bitsPerCell
        self.lr = lr
        self.examplesPerS = examplesPerS
        self.stepsPerS = stepsPerS
        self.valBitsPerCell = valBitsPerCell
    }
}

/// A run's JSON-lines log (`RUN/log.jsonl`): one JSON object per line, appended as the run
/// goes (a resumed run appends to the same file).
public final class RunLog {
    /// The log file.
    public let url: URL
    private let handle: FileHandle
    private let encoder: JSONEncoder

    /// The name of the log file inside a run folder.
    public static let fileName = "log.jsonl"

    /// Opens (creating when absent) the log of the run folder `run` for appending.
    public init(run: URL) throws(CheckpointError) {
        url = run.appendingPathComponent(Self.fileName)
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        do {
            handle = try FileHandle(forUpdating: url)
            try Self.dropUnfinishedLine(of: handle)
        } catch {
            throw .unwritable(file: url.path, reason: Checkpoint.reason(error))
        }
        encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
    }

    /// Cuts a last line that a killed process left without its newline, so that the next
    /// record starts a line of its own; leaves the handle at the end of the file.
    private static func dropUnfinishedLine(of handle: FileHandle) throws {
        let end = try handle.seekToEnd()
        guard end > 0 else { return }
        var position = end
        let chunk: UInt64 = 4096
        while position > 0 {
            let start = position > chunk ? position - chunk : 0
            try handle.seek(toOffset: start)
            let bytes = try handle.read(upToCount: Int(position - start)) ?? Data()
            if let newline = bytes.lastIndex(of: UInt8(ascii: "\n")) {
                let keep = start + UInt64(newline - bytes.startIndex) + 1
                if keep != end { try handle.truncate(atOffset: keep) }
                try handle.seekToEnd()
                return
            }
            position = start
        }
        try handle.truncate(atOffset: 0)
    }

    deinit {
        try? handle.close()
    }

    /// Appends `record` as one line.
    public func append(_ record: RunLogRecord) throws(CheckpointError) {
        do {
            var line = try encoder.encode(record)
            line.append(UInt8(ascii: "\n"))
            try handle.write(contentsOf: line)
        } catch {
            throw .unwritable(file: url.path, reason: Checkpoint.reason(error))
        }
    }

    /// Every record of the log at `url`, in order.
    public static func records(at url: URL) throws(CheckpointError) -> [RunLogRecord] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            return try text.split(separator: "\n").map { try decoder.decode(RunLogRecord.self, from: Data($0.utf8)) }
        } catch {
            throw .unreadable(file: url.path, reason: Checkpoint.reason(error))
        }
    }
}
