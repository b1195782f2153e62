import FileWriting
import Foundation
import Synchronization

/// The studio's sessions: one JSON document per session in a folder, `ID.json`, written
/// through a temporary file and a rename so that a crash or a full disk leaves the last
/// complete save. The page owns a document's shape beyond `title`, `history` (entries with a
/// valid `piece`) and `position`, which ``save(_:as:)`` checks.
public struct SessionStore: Sendable {
    /// A session in the list: its id, title and when it was last saved.
    public struct Summary: Codable, Sendable, Equatable {
        public var id: String
        public var title: String
        public var updated: String
    }

    /// The folder the sessions live in.
    public let folder: URL

    /// A store in `folder`, created if missing.
    /// - Throws: ``StudioError/storage(_:)`` when the folder cannot be made.
    public init(folder: URL) throws(StudioError) {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .storage("\(folder.path): cannot create the sessions folder (\(error.localizedDescription)); choose another with --sessions")
        }
    }

    /// Whether `id` can name a session: 1 to 64 letters, digits and dashes, so that no id
    /// names a path outside the folder.
    public static func isValid(id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D
        }
    }

    /// The sessions, most recently saved first.
    public func list() -> [Summary] {
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "json" }.compactMap { file -> Summary? in
            let id = file.deletingPathExtension().lastPathComponent
            guard Self.isValid(id: id), let data = try? Data(contentsOf: file),
                  let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return Summary(id: id, title: document["title"] as? String ?? id, updated: document["updated"] as? String ?? "")
        }.sorted { ($0.updated, $0.id) > ($1.updated, $1.id) }
    }

    /// Creates an empty session titled `title` (empty history) and returns it.
    public func create(title: String) throws(StudioError) -> Summary {
        let stamp = Self.timestamp()
        let compact = stamp.filter { $0.isNumber }.prefix(14)
        let identifier = "\(compact)-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let document: [String: Any] = ["title": title.isEmpty ? "Untitled" : String(title.prefix(200)), "history": [Any](), "position": 0]
        let saved = try write(document, as: identifier)
        return Summary(id: identifier, title: document["title"] as? String ?? "", updated: saved)
    }

    /// The document of session `id`, as last saved.
    public func read(_ id: String) throws(StudioError) -> Data {
        let file = try location(of: id)
        guard let data = try? Data(contentsOf: file) else {
            throw .noSuchSession("no session \(id) in \(folder.path); list the sessions with GET /api/sessions")
        }
        return data
    }

    /// Deletes session `id`.
    public func delete(_ id: String) throws(StudioError) {
        let file = try location(of: id)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw .noSuchSession("no session \(id) in \(folder.path); list the sessions with GET /api/sessions")
        }
        do {
            try FileManager.default.removeItem(at: file)
        } catch {
            throw .storage("\(file.path): cannot delete the session (\(error.localizedDescription)); check the folder's permissions")
        }
    }

    /// Saves `data`, a session document, as session `id`, stamped with the time; returns the stamp.
    /// - Throws: ``StudioError`` when the document breaks a rule or cannot be written.
    @discardableResult
    public func save(_ data: Data, as id: String) throws(StudioError) -> String {
        _ = try location(of: id)
        return try write(try Self.checkedDocument(data), as: id)
    }

    /// `data` as a session document: a JSON object with a `history` of at most
    /// ``StudioLimits/maximumHistory`` entries, each with a valid `piece`, a `position` in it
    /// and a textual `title`, if any.
    /// - Throws: ``StudioError`` naming the first rule broken.
    public static func checkedDocument(_ data: Data) throws(StudioError) -> [String: Any] {
        guard data.count <= StudioLimits.maximumBodyBytes else {
            throw .tooLarge("a session document of \(data.count) bytes is over the limit of \(StudioLimits.maximumBodyBytes); keep less history")
        }
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .invalidRequest("the session document is not a JSON object; send {title, history, position}")
        }
        guard let history = document["history"] as? [Any] else {
            throw .invalidRequest("the session document has no history list; send {title, history: [{label, piece}], position}")
        }
        guard history.count <= StudioLimits.maximumHistory else {
            throw .invalidRequest("a history of \(history.count) entries is over the limit of \(StudioLimits.maximumHistory); drop the oldest")
        }
        // The pieces are read once more, typed, from the same bytes: the untyped reading keeps
        // the page's own fields for writing, the typed one checks the pieces.
        let pieces: [StudioPiece]
        do {
            pieces = try JSONDecoder().decode(HistoryPieces.self, from: data).history.map(\.piece)
        } catch {
            let index = Self.historyIndex(in: error).map(String.init) ?? "?"
            throw .invalidRequest("history entry \(index) has no valid piece; give each entry {label, piece}")
        }
        for (index, piece) in pieces.enumerated() {
            do {
                _ = try piece.roll()
            } catch {
                throw .invalidRequest("history entry \(index): \(error)")
            }
        }
        let position = (document["position"] as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } ?? -1
        guard history.indices.contains(position) || (history.isEmpty && position <= 0) else {
            throw .invalidRequest("position \(document["position"].map { "\($0)" } ?? "missing") is not an entry of the history of \(history.count); give an index into it")
        }
        if let title = document["title"], !(title is String) {
            throw .invalidRequest("the session's title is not text; send a string")
        }
        return document
    }

    /// The part of a session document the store checks: each history entry's piece.
    private struct HistoryPieces: Decodable {
        struct Entry: Decodable { var piece: StudioPiece }
        var history: [Entry]
    }

    /// The history entry a decoding error is about.
    private static func historyIndex(in error: any Error) -> Int? {
        let path: [any CodingKey]
        switch error as? DecodingError {
        case .keyNotFound(_, let context)?, .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            path = context.codingPath
        default:
            return nil
        }
        return path.dropFirst().first?.intValue
    }

    /// The file of session `id`.
    private func location(of id: String) throws(StudioError) -> URL {
        guard Self.isValid(id: id) else {
            throw .noSuchSession("'\(id.prefix(80))' is not a session id; ids are 1 to 64 letters, digits and dashes")
        }
        return folder.appendingPathComponent(id + ".json")
    }

    private func write(_ document: [String: Any], as id: String) throws(StudioError) -> String {
        var stamped = document
        let stamp = Self.timestamp()
        stamped["updated"] = stamp
        stamped["id"] = id
        let file = try location(of: id)
        do {
            let data = try JSONSerialization.data(withJSONObject: stamped, options: [.sortedKeys])
            try AtomicFile.write(data, to: file)
        } catch let error as FileWriteError {
            throw .storage("\(error)")
        } catch {
            throw .invalidRequest("the session document cannot be written as JSON (\(error.localizedDescription))")
        }
        return stamp
    }

    /// The last stamp given out, in milliseconds since 1970.
    private static let lastStamp = Mutex<Int64>(0)

    /// Now, as an ISO 8601 timestamp with milliseconds (sortable as text), later than every
    /// stamp given before in this process, so that two saves within one millisecond still list
    /// the last one first.
    static func timestamp() -> String {
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let milliseconds = lastStamp.withLock { last in
            last = max(now, last + 1)
            return last
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // A fifth of a millisecond past it, so that the printed milliseconds are these whether
        // the formatter rounds or truncates.
        return formatter.string(from: Date(timeIntervalSince1970: (Double(milliseconds) + 0.2) / 1000))
    }
}
