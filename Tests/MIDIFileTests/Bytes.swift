import Foundation
import MIDIFile

/// Builds small MIDI files byte by byte for tests.
enum Bytes {
    static func header(format: Int = 1, tracks: Int, division: Int = 480, length: Int = 6) -> [UInt8] {
        Array("MThd".utf8) + uint32(length) + uint16(format) + uint16(tracks) + uint16(division)
            + [UInt8](repeating: 0, count: max(0, length - 6))
    }

    static func track(_ body: [UInt8], declaredLength: Int? = nil) -> [UInt8] {
        Array("MTrk".utf8) + uint32(declaredLength ?? body.count) + body
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        Array(type.utf8) + uint32(body.count) + body
    }

    static let endOfTrack: [UInt8] = [0x00, 0xFF, 0x2F, 0x00]

    static func uint16(_ value: Int) -> [UInt8] {
        [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func uint32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// Parses bytes named `test.mid`.
    static func read(_ bytes: [UInt8]) throws(MIDIFileError) -> StandardMIDIFile {
        try StandardMIDIFile(data: Data(bytes), fileName: "test.mid")
    }

    /// The error reading `bytes` throws, or nil when it reads.
    static func error(_ bytes: [UInt8]) -> MIDIFileError? {
        do {
            _ = try read(bytes)
            return nil
        } catch {
            return error
        }
    }
}
