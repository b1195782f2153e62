import FileWriting
import Foundation
import Testing

/// `AtomicFile`: the whole new file or the old one, never a part, and nothing left behind.
@Suite struct AtomicFileTests {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("writes a new file and replaces an old one, leaving no temporary file")
    func writesAndReplaces() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
        try AtomicFile.write(Data(repeating: 7, count: 100_000), to: url)
        #expect(try Data(contentsOf: url) == Data(repeating: 7, count: 100_000))
        try AtomicFile.write(Data(), to: url)
        #expect(try Data(contentsOf: url).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.bin"])
    }

    @Test("a missing folder is an error naming the file and the fix")
    func missingFolder() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/a.bin")
        let error = #expect(throws: FileWriteError.self) { try AtomicFile.write(Data([1]), to: url) }
        #expect(error?.code == ENOENT)
        #expect(error?.description == "cannot write \(url.path): No such file or directory; check that the folder \(url.deletingLastPathComponent().path) exists")
        #expect(error?.isDiskFull == false)
    }

    @Test("a folder in the file's place is an error, and the folder stays")
    func folderInTheWay() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let error = #expect(throws: FileWriteError.self) { try AtomicFile.write(Data([1]), to: url) }
        #expect(error?.code == EISDIR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["taken"])
    }

    @Test("the disk-full reason says so and names the fix")
    func diskFullWording() {
        let error = FileWriteError(file: URL(fileURLWithPath: "/data/out.mid"), code: ENOSPC)
        #expect(error.isDiskFull)
        #expect(error.description == "cannot write /data/out.mid: the disk is full (No space left on device); free some space on it or write elsewhere")
    }
}
