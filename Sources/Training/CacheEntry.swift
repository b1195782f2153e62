import Foundation
import PianoRoll

/// The on-disk form of one decoded roll in the ``RollCache``.
///
/// Layout, all numbers little-endian:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | magic `FMRC` |
/// | 4 | 4 | format version (``formatVersion``) |
/// | 8 | 8 | FNV-1a hash of the MIDI file's bytes |
/// | 16 | 2 | velocity bins |
/// | 18 | 2 | flags: bit 0 drums kept, bit 1 sustain pedal applied, bit 2 8th-note grid aligned |
/// | 20 | 4 | steps |
/// | 24 | 4 | tempo changes *t* |
/// | 28 | 4 | time signatures *s* |
/// | 32 | 8 *t* | tempo changes: step (4), microseconds per beat (4) |
/// | … | 8 *s* | time signatures: step (4), numerator (2), denominator (2) |
/// | … | 4 | length *n* of the run-length-coded cells |
/// | … | *n* | cell codes, pitch-major as ``PianoRoll/codes``, run-length coded |
/// | end − 8 | 8 | FNV-1a checksum of every byte before it |
///
/// Run-length coding: a silent (0) or sustain (1) code is followed by the length of its run
/// as an unsigned LEB128 number (7 bits a byte, low first); any other code (an onset) stands
/// for itself. Rolls are mostly silence, so entries are about twenty times smaller than the
/// raw cells.
///
/// An entry is trusted only when its magic, version, checksum, source hash, settings and
/// sizes all agree; anything else is reported as a reason to rebuild it.
public enum CacheEntry {
    /// The magic bytes that open an entry.
    public static let magic: [UInt8] = Array("FMRC".utf8)
    /// The current format version, raised whenever entries or the rolls they hold change
    /// (3: the pedal rule of ``PianoRoll/ConversionOptions/longestPedalHoldBeats``; 4: music
    /// moved onto the even steps, ``PianoRoll/EighthNoteAlignment``); entries of any other
    /// version are rebuilt.
    public static let formatVersion: UInt32 = 4
    /// The longest roll an entry may hold (about 116 hours at 120 beats per minute); longer
    /// claims are treated as corruption rather than allocated.
    public static let maximumSteps = 1 << 24
    /// The size of the fixed header in bytes.
    public static let headerSize = 32

    /// The bytes of an entry for `roll`, decoded from a file whose bytes hash to `contentHash`
    /// with `options`.
    public static func encode(_ roll: PianoRoll, contentHash: UInt64, options: PianoRoll.ConversionOptions) -> Data {
        var bytes = [UInt8]()
        bytes.reserveCapacity(headerSize + 8 * (roll.tempoMap.count + roll.timeSignatures.count) + roll.codes.count / 8 + 12)
        bytes += magic
        append(formatVersion, to: &bytes)
        append(contentHash, to: &bytes)
        append(UInt16(options.velocityBins), to: &bytes)
        append(flags(of: options), to: &bytes)
        append(UInt32(roll.steps), to: &bytes)
        append(UInt32(roll.tempoMap.count), to: &bytes)
        append(UInt32(roll.timeSignatures.count), to: &bytes)
        for tempo in roll.tempoMap {
            append(UInt32(tempo.step), to: &bytes)
            append(UInt32(clamping: tempo.microsecondsPerBeat), to: &bytes)
        }
        for signature in roll.timeSignatures {
            append(UInt32(signature.step), to: &bytes)
            append(UInt16(clamping: signature.numerator), to: &bytes)
            append(UInt16(clamping: signature.denominator), to: &bytes)
        }
        let cells = runLengthEncoded(roll.codes)
        append(UInt32(cells.count), to: &bytes)
        bytes += cells
        append(checksum(bytes[...]), to: &bytes)
        return Data(bytes)
    }

    /// The roll stored in `data`, or why the entry cannot be trusted: it must be a
    /// well-formed entry of the current version for a file hashing to `contentHash`, decoded
    /// with `options`.
    public static func decode(
        _ data: Data, contentHash: UInt64, options: PianoRoll.ConversionOptions
    ) -> Result<PianoRoll, CacheEntryProblem> {
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize + 8, Array(bytes[0..<4]) == magic else { return .failure(.notAnEntry) }
        let version: UInt32 = read(bytes, at: 4)
        guard checksum(bytes[..<(bytes.count - 8)]) == read(bytes, at: bytes.count - 8) as UInt64 else {
            return .failure(.checksumMismatch)
        }
        guard version == formatVersion else { return .failure(.staleVersion(version)) }
        guard read(bytes, at: 8) as UInt64 == contentHash,
              read(bytes, at: 16) as UInt16 == UInt16(options.velocityBins),
              read(bytes, at: 18) as UInt16 == flags(of: options)
        else { return .failure(.settingsMismatch) }
        let steps = Int(read(bytes, at: 20) as UInt32)
        let tempoCount = Int(read(bytes, at: 24) as UInt32)
        let signatureCount = Int(read(bytes, at: 28) as UInt32)
        let lengthOffset = headerSize + 8 * (tempoCount + signatureCount)
        guard steps <= maximumSteps, lengthOffset + 12 <= bytes.count else { return .failure(.sizeMismatch) }
        let codesStart = lengthOffset + 4
        let codesLength = Int(read(bytes, at: lengthOffset) as UInt32)
        guard codesStart + codesLength + 8 == bytes.count else { return .failure(.sizeMismatch) }
        var offset = headerSize
        var tempos: [PianoRoll.TempoChange] = []
        for _ in 0..<tempoCount {
            tempos.append(PianoRoll.TempoChange(step: Int(read(bytes, at: offset) as UInt32),
                                                microsecondsPerBeat: Int(read(bytes, at: offset + 4) as UInt32)))
            offset += 8
        }
        var signatures: [PianoRoll.TimeSignature] = []
        for _ in 0..<signatureCount {
            signatures.append(PianoRoll.TimeSignature(
                step: Int(read(bytes, at: offset) as UInt32),
                numerator: Int(read(bytes, at: offset + 4) as UInt16),
                denominator: Int(read(bytes, at: offset + 6) as UInt16)))
            offset += 8
        }
        guard let codes = runLengthDecoded(bytes[codesStart..<(codesStart + codesLength)], count: PianoRoll.pitchCount * steps) else {
            return .failure(.sizeMismatch)
        }
        do {
            let roll = try PianoRoll(
                steps: steps, velocityBins: options.velocityBins, codes: codes,
                tempoMap: tempos, timeSignatures: signatures)
            return .success(roll)
        } catch {
            return .failure(.invalidCells)
        }
    }

    /// The checksum stored at the end of an entry: FNV-1a of the bytes before it.
    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { buffer in
            var hash = ContentHash()
            hash.combine(buffer)
            return hash.value
        }
    }

    /// `codes` with runs of silent and sustain cells replaced by the code and the run length.
    static func runLengthEncoded(_ codes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(codes.count / 8)
        codes.withUnsafeBufferPointer { codes in
            var index = 0
            while index < codes.count {
                let code = codes[index]
                output.append(code)
                index += 1
                guard code <= PianoRoll.Cell.sustainCode else { continue }
                var run = 1
                while index < codes.count && codes[index] == code {
                    run += 1
                    index += 1
                }
                while run >= 0x80 {
                    output.append(UInt8(run & 0x7f) | 0x80)
                    run >>= 7
                }
                output.append(UInt8(run))
            }
        }
        return output
    }

    /// The `count` cells of run-length coded `bytes`, or nil when they do not decode to
    /// exactly `count` cells.
    static func runLengthDecoded(_ bytes: ArraySlice<UInt8>, count: Int) -> [UInt8]? {
        var codes = [UInt8](repeating: 0, count: count)
        let complete = codes.withUnsafeMutableBufferPointer { output -> Bool in
            bytes.withUnsafeBufferPointer { input -> Bool in
                var read = 0
                var written = 0
                while read < input.count {
                    let code = input[read]
                    read += 1
                    guard code <= PianoRoll.Cell.sustainCode else {
                        guard written < count else { return false }
                        output[written] = code
                        written += 1
                        continue
                    }
                    var run = 0
                    var shift = 0
                    while true {
                        guard read < input.count, shift < 35 else { return false }
                        let byte = input[read]
                        read += 1
                        run |= Int(byte & 0x7f) << shift
                        shift += 7
                        if byte < 0x80 { break }
                    }
                    guard run > 0, run <= count - written else { return false }
                    if code != 0 {
                        UnsafeMutableBufferPointer(rebasing: output[written..<(written + run)]).update(repeating: code)
                    }
                    written += run
                }
                return written == count
            }
        }
        return complete ? codes : nil
    }

    private static func flags(of options: PianoRoll.ConversionOptions) -> UInt16 {
        (options.includeDrums ? 1 : 0) | (options.applySustainPedal ? 2 : 0) | (options.alignsEighthNoteGrid ? 4 : 0)
    }

    private static func append<Number: FixedWidthInteger>(_ number: Number, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: number.littleEndian) { bytes += $0 }
    }

    private static func read<Number: FixedWidthInteger>(_ bytes: [UInt8], at offset: Int) -> Number {
        var value = Number.zero
        for index in 0..<MemoryLayout<Number>.size {
            value |= Number(bytes[offset + index]) << (8 * index)
        }
        return value
    }
}

/// Why a cache entry was not trusted.
public enum CacheEntryProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// Too short, or the magic bytes are wrong.
    case notAnEntry
    /// The checksum does not match the contents: the entry is corrupted.
    case checksumMismatch
    /// Written by another version of the format.
    case staleVersion(UInt32)
    /// Made from other file contents or other conversion settings.
    case settingsMismatch
    /// The sizes in the header do not match the entry's length.
    case sizeMismatch
    /// A cell code is out of range.
    case invalidCells

    /// Whether the problem means damage (warned about) rather than an outdated entry.
    public var isCorruption: Bool {
        switch self {
        case .staleVersion, .settingsMismatch: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .notAnEntry: "not a cache entry (wrong magic or too short)"
        case .checksumMismatch: "corrupted (checksum mismatch)"
        case .staleVersion(let version): "written by format version \(version), not \(CacheEntry.formatVersion)"
        case .settingsMismatch: "made from other file contents or conversion settings"
        case .sizeMismatch: "corrupted (sizes do not match its length)"
        case .invalidCells: "corrupted (invalid cell codes)"
        }
    }
}
