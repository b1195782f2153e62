import FileWriting
import Foundation

/// A 64-bit FNV-1a hash: small, dependency-free and fast enough to key the roll cache by file
/// contents and to checksum cache entries. It is not cryptographic.
public struct ContentHash: Sendable, Hashable {
    /// The FNV-1a 64-bit offset basis: the hash of no bytes.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV-1a 64-bit prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of the bytes fed so far.
    public private(set) var value: UInt64 = ContentHash.offsetBasis

    /// A hash of no bytes yet.
    public init() {}

    /// Feeds `bytes` into the hash.
    public mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var hash = value
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* Self.prime
        }
        value = hash
    }

    /// Feeds the bytes of `data` into the hash.
    public mutating func combine(_ data: some DataProtocol) {
        for region in data.regions {
            region.withUnsafeBytes { combine($0) }
        }
    }

    /// Feeds the UTF-8 bytes of `text` into the hash.
    public mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { combine(UnsafeRawBufferPointer($0)) }
    }

    /// Feeds the eight little-endian bytes of `number` into the hash.
    public mutating func combine(_ number: UInt64) {
        withUnsafeBytes(of: number.littleEndian) { combine($0) }
    }

    /// The FNV-1a hash of `data`.
    public static func of(_ data: some DataProtocol) -> UInt64 {
        var hash = ContentHash()
        hash.combine(data)
        return hash.value
    }

    /// The FNV-1a hash of the UTF-8 bytes of `text`.
    public static func of(_ text: String) -> UInt64 {
        var hash = ContentHash()
        hash.combine(text)
        return hash.value
    }
}

/// Writes the data files of training (roll cache entries, split lists, checkpoint pointers)
/// through `AtomicFile`, creating their folder when needed.
public enum DataFile {
    /// Writes `data` to `url` atomically, creating the folder when needed.
    public static func write(_ data: Data, to url: URL) throws(DataError) {
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError.io(path: folder.path, reason: "cannot create the folder (\(error.localizedDescription)); check the path and its permissions")
        }
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw DataError.io(path: url.path, reason: "cannot write the file: \(error.reason)")
        }
    }
}
