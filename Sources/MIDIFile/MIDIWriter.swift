/// Encodes a ``StandardMIDIFile`` as bytes.
///
/// Values outside their field's range are clamped (format to 0–2, channels to 0–15, data to
/// 0–127, ticks per beat to 1–32767, pitch bend to −8192…8191); events whose ticks decrease are put in tick order
/// (stably); each track gets exactly one end-of-track event, at its last event's tick.
enum MIDIWriter {
    /// The largest value a 4-byte variable-length quantity can hold.
    static let largestQuantity = 0x0FFF_FFFF

    static func encode(_ file: StandardMIDIFile) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(14 + file.tracks.reduce(0) { $0 + 8 + $1.events.count * 4 })
        out += Array("MThd".utf8)
        appendUInt32(6, to: &out)
        appendUInt16(clamp(file.format, 0, 2), to: &out)
        appendUInt16(min(file.tracks.count, 0xFFFF), to: &out)
        appendUInt16(clamp(file.ticksPerBeat, 1, 0x7FFF), to: &out)
        for track in file.tracks.prefix(0xFFFF) {
            out += Array("MTrk".utf8)
            let lengthOffset = out.count
            appendUInt32(0, to: &out)
            appendEvents(of: track, to: &out)
            let length = out.count - lengthOffset - 4
            for index in 0..<4 {
                out[lengthOffset + index] = UInt8(truncatingIfNeeded: length >> (24 - 8 * index))
            }
        }
        return out
    }

    static func appendEvents(of track: MIDITrack, to out: inout [UInt8]) {
        var events = track.events
        if zip(events, events.dropFirst()).contains(where: { $0.tick > $1.tick }) {
            events = events.enumerated()
                .sorted { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }
                .map(\.element)
        }
        var tick = 0
        var runningStatus: UInt8 = 0
        for event in events where event.message != .meta(.endOfTrack) {
            let eventTick = max(event.tick, tick)
            appendQuantity(eventTick - tick, to: &out)
            tick = eventTick
            switch event.message {
            case .noteOff(let channel, let pitch, let velocity):
                appendChannel(0x80, channel, pitch, velocity, runningStatus: &runningStatus, to: &out)
            case .noteOn(let channel, let pitch, let velocity):
                appendChannel(0x90, channel, pitch, velocity, runningStatus: &runningStatus, to: &out)
            case .polyphonicPressure(let channel, let pitch, let pressure):
                appendChannel(0xA0, channel, pitch, pressure, runningStatus: &runningStatus, to: &out)
            case .controlChange(let channel, let controller, let value):
                appendChannel(0xB0, channel, controller, value, runningStatus: &runningStatus, to: &out)
            case .programChange(let channel, let program):
                appendChannel(0xC0, channel, program, nil, runningStatus: &runningStatus, to: &out)
            case .channelPressure(let channel, let pressure):
                appendChannel(0xD0, channel, pressure, nil, runningStatus: &runningStatus, to: &out)
            case .pitchBend(let channel, let value):
                let raw = clamp(value + 8192, 0, 16383)
                appendChannel(0xE0, channel, raw & 0x7F, raw >> 7, runningStatus: &runningStatus, to: &out)
            case .sysex(let data):
                runningStatus = 0
                out.append(0xF0)
                appendPayload(data, to: &out)
            case .escape(let data):
                runningStatus = 0
                out.append(0xF7)
                appendPayload(data, to: &out)
            case .meta(let meta):
                runningStatus = 0
                let (type, data) = metaBytes(meta)
                out.append(0xFF)
                out.append(type)
                appendPayload(data, to: &out)
            }
        }
        let lastTick = max(tick, events.last?.tick ?? 0)
        appendQuantity(lastTick - tick, to: &out)
        out += [0xFF, 0x2F, 0x00]
    }

    static func metaBytes(_ meta: MIDIMetaEvent) -> (UInt8, [UInt8]) {
        switch meta {
        case .tempo(let microseconds):
            let value = clamp(microseconds, 0, 0xFF_FFFF)
            return (0x51, [UInt8(value >> 16), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
        case .timeSignature(let numerator, let denominator, let clocks, let thirtySeconds):
            let power = denominator > 0 ? (Int.bitWidth - 1 - denominator.leadingZeroBitCount) : 0
            return (0x58, [byte(numerator), UInt8(power), byte(clocks), byte(thirtySeconds)])
        case .keySignature(let sharps, let mode):
            return (0x59, [UInt8(bitPattern: Int8(clamp(sharps, -128, 127))), byte(mode)])
        case .trackName(let data):
            return (0x03, data)
        case .endOfTrack:
            return (0x2F, [])
        case .other(let type, let data):
            return (byte(type), data)
        }
    }

    @inline(__always)
    static func appendChannel(
        _ kind: UInt8, _ channel: Int, _ first: Int, _ second: Int?, runningStatus: inout UInt8, to out: inout [UInt8]
    ) {
        let status = kind | UInt8(clamp(channel, 0, 15))
        if status != runningStatus {
            out.append(status)
            runningStatus = status
        }
        out.append(UInt8(clamp(first, 0, 127)))
        if let second {
            out.append(UInt8(clamp(second, 0, 127)))
        }
    }

    static func appendPayload(_ data: [UInt8], to out: inout [UInt8]) {
        let kept = data.prefix(largestQuantity)
        appendQuantity(kept.count, to: &out)
        out += kept
    }

    /// Appends a variable-length quantity; values beyond 4 bytes' range are clamped to it.
    static func appendQuantity(_ value: Int, to out: inout [UInt8]) {
        let value = clamp(value, 0, largestQuantity)
        var shift = 21
        while shift > 0 && value >> shift == 0 { shift -= 7 }
        while shift > 0 {
            out.append(UInt8(value >> shift & 0x7F) | 0x80)
            shift -= 7
        }
        out.append(UInt8(value & 0x7F))
    }

    static func appendUInt16(_ value: Int, to out: inout [UInt8]) {
        out += [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func appendUInt32(_ value: Int, to out: inout [UInt8]) {
        out += [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func byte(_ value: Int) -> UInt8 {
        UInt8(clamp(value, 0, 255))
    }

    static func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int {
        min(max(value, low), high)
    }
}
