/// Parses the bytes of a Standard MIDI File into a ``StandardMIDIFile``.
///
/// Every recovery from a malformed file is listed in docs/MIDI-RULES.md. Each event consumes at
/// least one byte and every length is checked against the bytes that remain, so a malformed file
/// can neither hang the reader nor make it allocate more than the file's size.
struct MIDIReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let fileName: String

    static let corruptFix = "the file is corrupt — re-export it from the program that made it"
    static let truncatedFix = "the file is truncated — download or export it again"

    func failure(_ offset: Int?, _ problem: String, _ fix: String = corruptFix) -> MIDIFileError {
        MIDIFileError(fileName: fileName, byteOffset: offset, problem: problem, fix: fix)
    }

    func read() throws(MIDIFileError) -> StandardMIDIFile {
        let count = bytes.count
        guard count > 0 else {
            throw failure(nil, "the file is empty (0 bytes), not a Standard MIDI File",
                          "choose a Standard MIDI File (.mid)")
        }
        guard count >= 4, matches("MThd", at: 0) else {
            throw failure(0, "not a Standard MIDI File: it starts with \(quoted(0, min(4, count))) instead of \"MThd\"",
                          "choose a Standard MIDI File (.mid); a RIFF MIDI (.rmi) file must be converted to .mid first")
        }
        guard count >= 14 else {
            throw failure(count, "the header chunk is truncated: the file ends after \(count) bytes, a MIDI header needs 14",
                          Self.truncatedFix)
        }
        let headerLength = uint32(at: 4)
        guard headerLength >= 6 else {
            throw failure(4, "header chunk length \(headerLength) is shorter than the 6 bytes a MIDI header needs")
        }
        guard headerLength <= count - 8 else {
            throw failure(4, "header chunk length \(headerLength) runs past the end of the file (file is \(count) bytes)",
                          Self.truncatedFix)
        }
        let format = uint16(at: 8)
        let announcedTracks = uint16(at: 10)
        let division = uint16(at: 12)
        guard format <= 2 else {
            throw failure(8, "format \(format) is not a Standard MIDI File format (0, 1 or 2)")
        }
        guard division & 0x8000 == 0 else {
            let framesPerSecond = 256 - (division >> 8)
            throw failure(12, "SMPTE time division (\(framesPerSecond) frames per second, \(division & 0xFF) ticks per frame) is not supported, only ticks per beat",
                          "re-export the file with a musical (ticks per beat) time base")
        }
        guard division > 0 else {
            throw failure(12, "the header gives 0 ticks per beat")
        }

        var tracks: [MIDITrack] = []
        tracks.reserveCapacity(min(announcedTracks, count / 8))
        var offset = 8 + headerLength
        // Reads the announced track chunks (a file cut short keeps the tracks it holds), then any
        // further track chunks; anything else after the announced tracks is trailing data.
        while count - offset >= 8 {
            let isTrack = matches("MTrk", at: offset)
            if tracks.count >= announcedTracks {
                guard isTrack else { break }
            } else {
                guard (0..<4).allSatisfy({ (0x20...0x7E).contains(bytes[offset + $0]) }) else {
                    throw failure(offset, "expected a chunk (such as \"MTrk\") but found bytes \(hex(offset, 4)); the length of the chunk before it is wrong")
                }
            }
            let bodyStart = offset + 8
            let declaredEnd = bodyStart + uint32(at: offset + 4)
            if isTrack {
                tracks.append(try readTrack(
                    from: bodyStart, to: min(declaredEnd, count), isTruncated: declaredEnd > count,
                    number: tracks.count + 1, of: max(announcedTracks, tracks.count + 1)))
            }
            offset = declaredEnd
        }
        guard !tracks.isEmpty || announcedTracks == 0 else {
            throw failure(min(offset, count), "the file ends before its first track chunk (the header announces \(announcedTracks) tracks)",
                          Self.truncatedFix)
        }
        return StandardMIDIFile(format: format, ticksPerBeat: division, tracks: tracks)
    }

    /// Reads one track chunk's events. When the chunk runs past the end of the file
    /// (`isTruncated`), the complete events are kept and the partial last one is dropped.
    func readTrack(from start: Int, to end: Int, isTruncated: Bool, number: Int, of total: Int) throws(MIDIFileError) -> MIDITrack {
        var cursor = ByteCursor(bytes: bytes, position: start, end: end)
        var events: [MIDIEvent] = []
        events.reserveCapacity((end - start) / 3)
        var tick = 0
        var runningStatus: UInt8 = 0
        var eventStart = start
        do throws(ByteCursor.Failure) {
            while cursor.position < end {
                eventStart = cursor.position
                let eventTick = tick + (try cursor.variableLengthQuantity())
                let first = try cursor.peek()
                let status: UInt8
                if first >= 0x80 {
                    status = first
                    cursor.position += 1
                } else if runningStatus != 0 {
                    status = runningStatus
                } else {
                    throw .noRunningStatus(first, at: cursor.position)
                }
                let message: MIDIMessage
                switch status {
                case 0x80...0xEF:
                    runningStatus = status
                    message = try channelMessage(status: status, cursor: &cursor)
                case 0xF0:
                    message = .sysex(try cursor.take(cursor.variableLengthQuantity()))
                case 0xF7:
                    message = .escape(try cursor.take(cursor.variableLengthQuantity()))
                case 0xFF:
                    let type = try cursor.byte()
                    let data = try cursor.take(cursor.variableLengthQuantity())
                    if type == 0x2F {
                        events.append(MIDIEvent(tick: eventTick, message: .meta(.endOfTrack)))
                        return MIDITrack(events: events)
                    }
                    message = .meta(Self.metaEvent(type: type, data: data))
                default:
                    throw .undefinedStatus(status, at: cursor.position - 1)
                }
                tick = eventTick
                events.append(MIDIEvent(tick: tick, message: message))
            }
        } catch {
            switch error {
            case .pastEnd where isTruncated:
                break
            case .pastEnd:
                throw failure(eventStart, "event runs past the end of track \(number) of \(total) (its chunk ends at byte \(end))")
            case .longQuantity(let at):
                throw failure(at, "variable-length quantity is longer than 4 bytes in track \(number) of \(total)")
            case .noRunningStatus(let byte, let at):
                throw failure(at, "data byte \(Self.hex(byte)) where a status byte is expected, and no running status is in effect in track \(number) of \(total)")
            case .undefinedStatus(let byte, let at):
                throw failure(at, "status byte \(Self.hex(byte)) (a system common or real-time message) cannot appear in a MIDI file track (track \(number) of \(total))")
            }
        }
        // The track ended without an end-of-track event (missing, or the file is truncated).
        events.append(MIDIEvent(tick: tick, message: .meta(.endOfTrack)))
        return MIDITrack(events: events)
    }

    /// Reads a channel message's data bytes; a data byte above 127 is read as 127 (see docs/MIDI-RULES.md).
    @inline(__always)
    func channelMessage(status: UInt8, cursor: inout ByteCursor) throws(ByteCursor.Failure) -> MIDIMessage {
        let channel = Int(status & 0x0F)
        let first = Int(min(try cursor.byte(), 127))
        switch status & 0xF0 {
        case 0xC0: return .programChange(channel: channel, program: first)
        case 0xD0: return .channelPressure(channel: channel, pressure: first)
        default: break
        }
        let second = Int(min(try cursor.byte(), 127))
        switch status & 0xF0 {
        case 0x80: return .noteOff(channel: channel, pitch: first, velocity: second)
        case 0x90: return .noteOn(channel: channel, pitch: first, velocity: second)
        case 0xA0: return .polyphonicPressure(channel: channel, pitch: first, pressure: second)
        case 0xB0: return .controlChange(channel: channel, controller: first, value: second)
        default: return .pitchBend(channel: channel, value: (first | second << 7) - 8192)
        }
    }

    /// Decodes a meta event; known types with a non-standard payload stay raw (`other`).
    static func metaEvent(type: UInt8, data: [UInt8]) -> MIDIMetaEvent {
        switch type {
        case 0x2F:
            return .endOfTrack
        case 0x51 where data.count == 3:
            return .tempo(microsecondsPerBeat: Int(data[0]) << 16 | Int(data[1]) << 8 | Int(data[2]))
        case 0x58 where data.count == 4 && data[1] <= 30:
            return .timeSignature(numerator: Int(data[0]), denominator: 1 << Int(data[1]),
                                  clocksPerClick: Int(data[2]), thirtySecondNotesPerBeat: Int(data[3]))
        case 0x59 where data.count == 2:
            return .keySignature(sharps: Int(Int8(bitPattern: data[0])), mode: Int(data[1]))
        case 0x03:
            return .trackName(data)
        default:
            return .other(type: Int(type), data: data)
        }
    }

    private func matches(_ tag: StaticString, at offset: Int) -> Bool {
        tag.withUTF8Buffer { tagBytes in
            offset + tagBytes.count <= bytes.count
                && (0..<tagBytes.count).allSatisfy { bytes[offset + $0] == tagBytes[$0] }
        }
    }

    private func uint16(at offset: Int) -> Int {
        Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    private func uint32(at offset: Int) -> Int {
        Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }

    private func quoted(_ offset: Int, _ length: Int) -> String {
        let printable = (offset..<offset + length).allSatisfy { (0x20...0x7E).contains(bytes[$0]) }
        if printable {
            return "\"" + String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self) + "\""
        }
        return "bytes " + hex(offset, length)
    }

    private func hex(_ offset: Int, _ length: Int) -> String {
        (offset..<offset + length).map { Self.hex(bytes[$0], prefixed: false) }.joined(separator: " ")
    }

    static func hex(_ byte: UInt8, prefixed: Bool = true) -> String {
        let digits = Array("0123456789ABCDEF")
        return (prefixed ? "0x" : "") + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }
}

/// A read position inside a chunk whose reads never pass the chunk's end.
struct ByteCursor {
    /// Why an event could not be read.
    enum Failure: Error {
        case pastEnd
        case longQuantity(at: Int)
        case noRunningStatus(UInt8, at: Int)
        case undefinedStatus(UInt8, at: Int)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int

    @inline(__always)
    func peek() throws(Failure) -> UInt8 {
        guard position < end else { throw .pastEnd }
        return bytes[position]
    }

    @inline(__always)
    mutating func byte() throws(Failure) -> UInt8 {
        guard position < end else { throw .pastEnd }
        defer { position += 1 }
        return bytes[position]
    }

    /// A variable-length quantity: at most 4 bytes, 7 bits each, high bit set on all but the last.
    @inline(__always)
    mutating func variableLengthQuantity() throws(Failure) -> Int {
        let start = position
        var value = 0
        for _ in 0..<4 {
            let next = try byte()
            value = value << 7 | Int(next & 0x7F)
            if next < 0x80 { return value }
        }
        throw .longQuantity(at: start)
    }

    /// The next `count` bytes; fails (without allocating) when fewer remain.
    mutating func take(_ count: Int) throws(Failure) -> [UInt8] {
        guard count <= end - position else { throw .pastEnd }
        defer { position += count }
        return Array(UnsafeBufferPointer(rebasing: bytes[position..<position + count]))
    }
}
