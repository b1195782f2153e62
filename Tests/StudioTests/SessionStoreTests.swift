import Foundation
import StudioCore
import Testing
import TestSupport

/// `SessionStore`: sessions saved whole through a rename, listed newest first, with ids that
/// cannot name a path and documents that are checked before they are written.
@Suite("Studio sessions")
struct SessionStoreTests {
    static let piece = #"{"steps":16,"bpm":120,"beatsPerBar":4,"velocityBins":32,"notes":[{"pitch":60,"step":0,"length":4,"velocity":3}]}"#

    static func document(title: String = "Song", position: Int = 0, piece: String = piece) -> Data {
        Data(#"{"title":"\#(title)","history":[{"label":"blank","piece":\#(piece)}],"position":\#(position),"zoom":3}"#.utf8)
    }

    @Test("create, save, read back and list: the page's own fields kept, the time stamped")
    func roundTrip() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SessionStore(folder: folder.url.appendingPathComponent("sessions"))
        let first = try store.create(title: "First")
        #expect(SessionStore.isValid(id: first.id))
        let second = try store.create(title: "")
        #expect(second.title == "Untitled")
        try store.save(Self.document(title: "Renamed"), as: first.id)
        let saved = try JSONSerialization.jsonObject(with: store.read(first.id)) as? [String: Any]
        #expect(saved?["title"] as? String == "Renamed")
        #expect(saved?["zoom"] as? Int == 3, "fields the page owns are kept")
        #expect(saved?["id"] as? String == first.id)
        #expect(store.list().map(\.id) == [first.id, second.id], "the last saved first")
        let names = try FileManager.default.contentsOfDirectory(atPath: store.folder.path)
        #expect(names.sorted() == [first.id + ".json", second.id + ".json"].sorted(), "no temporary file is left")
    }

    @Test("sessions saved within one millisecond still list the last saved first")
    func quickSavesKeepTheirOrder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SessionStore(folder: folder.url)
        let created = try (0..<200).map { _ in try store.create(title: "") }
        let listed = store.list()
        #expect(listed.map(\.id) == created.reversed().map(\.id))
        #expect(Set(listed.map(\.updated)).count == 200, "every save has its own stamp")
    }

    @Test("ids are letters, digits and dashes only, so that none names a path", arguments: [
        "../etc/passwd", "..", "", "a/b", "a.json", "%2e%2e", String(repeating: "a", count: 65), "a b", "ä",
    ])
    func badIDs(_ id: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SessionStore(folder: folder.url)
        #expect(!SessionStore.isValid(id: id))
        #expect(throws: StudioError.self) { try store.read(id) }
        #expect(throws: StudioError.self) { try store.save(Self.document(), as: id) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    @Test("an unknown session is a 404 naming how to list them")
    func unknown() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SessionStore(folder: folder.url)
        #expect(throws: StudioError.noSuchSession("no session abc in \(folder.url.path); list the sessions with GET /api/sessions")) {
            try store.read("abc")
        }
        #expect(StudioError.noSuchSession("").status == 404)
    }

    @Test("bad documents are refused in one line, and the saved one stays", arguments: [
        (Data("[1,2]".utf8), "the session document is not a JSON object; send {title, history, position}"),
        (Data("{".utf8), "the session document is not a JSON object; send {title, history, position}"),
        (Data(#"{"title":"x"}"#.utf8), "the session document has no history list; send {title, history: [{label, piece}], position}"),
        (Data(#"{"history":[{"label":"x"}],"position":0}"#.utf8), "history entry 0 has no valid piece; give each entry {label, piece}"),
        (Data(#"{"history":[{"label":"x","piece":12}],"position":0}"#.utf8), "history entry 0 has no valid piece; give each entry {label, piece}"),
        (document(position: 1), "position 1 is not an entry of the history of 1; give an index into it"),
        (document(piece: #"{"steps":0,"bpm":120,"beatsPerBar":4,"velocityBins":32,"notes":[]}"#),
         "history entry 0: the piece has 0 steps; give between 1 and 65536"),
        (Data(#"{"title":5,"history":[],"position":0}"#.utf8), "the session's title is not text; send a string"),
    ] as [(Data, String)])
    func badDocuments(_ data: Data, _ message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SessionStore(folder: folder.url)
        let session = try store.create(title: "Kept")
        let before = try store.read(session.id)
        #expect(throws: StudioError.invalidRequest(message)) { try store.save(data, as: session.id) }
        #expect(try store.read(session.id) == before)
    }

    @Test("a history longer than the limit is refused")
    func historyLimit() {
        let entries = Array(repeating: #"{"label":"x","piece":\#(Self.piece)}"#, count: StudioLimits.maximumHistory + 1).joined(separator: ",")
        #expect(throws: StudioError.self) { try SessionStore.checkedDocument(Data(#"{"history":[\#(entries)],"position":0}"#.utf8)) }
    }
}
