/// Notes, tempo and meter derived from the events (rules in docs/MIDI-RULES.md).
extension StandardMIDIFile {
    /// The tempo before the first tempo event: 120 beats per minute.
    public static let defaultMicrosecondsPerBeat = 500_000

    /// Every note of every track, paired first-in-first-out per (track, channel, pitch).
    ///
    /// - A note-on with velocity 0 is a note-off.
    /// - When a pitch overlaps itself, a note-off ends the *earliest* still-sounding note-on of
    ///   that (track, channel, pitch) — first in, first out, as mido does.
    /// - Zero-length notes (note-on and note-off at the same tick) are kept, with
    ///   `offTick == onTick`: they are in the file, and a consumer can lengthen them.
    /// - A note never terminated ends at its track's end-of-track tick (``MIDITrack/endTick``):
    ///   a player would sound it to the end of the track, so dropping it would lose music.
    /// - A note-off with no sounding note is ignored. Note events whose channel or pitch is out of
    ///   range (possible only in hand-made tracks) are ignored.
    ///
    /// Sorted by onset tick, then track, channel, pitch, offset tick and velocity.
    public var notes: [MIDINote] {
        var notes: [MIDINote] = []
        var sounding = [[(tick: Int, velocity: Int)]](repeating: [], count: 16 * 128)
        var firstSounding = [Int](repeating: 0, count: 16 * 128)
        for (trackIndex, track) in tracks.enumerated() {
            var used: [Int] = []
            for event in track.events {
                let channel: Int, pitch: Int, velocity: Int
                switch event.message {
                case .noteOn(let c, let p, let v): (channel, pitch, velocity) = (c, p, v)
                case .noteOff(let c, let p, _): (channel, pitch, velocity) = (c, p, 0)
                default: continue
                }
                guard (0..<16).contains(channel), (0..<128).contains(pitch) else { continue }
                let key = channel << 7 | pitch
                if velocity > 0 {
                    if sounding[key].isEmpty { used.append(key) }
                    sounding[key].append((event.tick, velocity))
                } else if firstSounding[key] < sounding[key].count {
                    let start = sounding[key][firstSounding[key]]
                    notes.append(MIDINote(track: trackIndex, channel: channel, pitch: pitch,
                                          onTick: start.tick, offTick: event.tick, velocity: start.velocity))
                    firstSounding[key] += 1
                    if firstSounding[key] == sounding[key].count {
                        sounding[key].removeAll(keepingCapacity: true)
                        firstSounding[key] = 0
                    }
                }
            }
            for key in used where firstSounding[key] < sounding[key].count {
                for start in sounding[key][firstSounding[key]...] {
                    notes.append(MIDINote(track: trackIndex, channel: key >> 7, pitch: key & 0x7F,
                                          onTick: start.tick, offTick: max(track.endTick, start.tick),
                                          velocity: start.velocity))
                }
                sounding[key].removeAll(keepingCapacity: true)
                firstSounding[key] = 0
            }
        }
        notes.sort {
            ($0.onTick, $0.track, $0.channel, $0.pitch, $0.offTick, $0.velocity)
                < ($1.onTick, $1.track, $1.channel, $1.pitch, $1.offTick, $1.velocity)
        }
        return notes
    }

    /// The tempo events of all tracks, sorted by tick (ties keep track order, then file order).
    /// Empty when the file has none: then ``defaultMicrosecondsPerBeat`` applies throughout.
    public var tempoMap: [TempoChange] {
        var changes: [(change: TempoChange, order: Int)] = []
        for track in tracks {
            for event in track.events {
                if case .meta(.tempo(let microseconds)) = event.message {
                    changes.append((TempoChange(tick: event.tick, microsecondsPerBeat: microseconds), changes.count))
                }
            }
        }
        return changes.sorted { ($0.change.tick, $0.order) < ($1.change.tick, $1.order) }.map(\.change)
    }

    /// The time-signature events of all tracks, sorted by tick (ties keep track and file order).
    public var timeSignatures: [TimeSignature] {
        var signatures: [(signature: TimeSignature, order: Int)] = []
        for track in tracks {
            for event in track.events {
                if case .meta(.timeSignature(let numerator, let denominator, _, _)) = event.message {
                    signatures.append((TimeSignature(tick: event.tick, numerator: numerator, denominator: denominator),
                                       signatures.count))
                }
            }
        }
        return signatures.sorted { ($0.signature.tick, $0.order) < ($1.signature.tick, $1.order) }.map(\.signature)
    }

    /// The time in seconds from the start of the file to `tick`, following the tempo map
    /// (120 beats per minute before the first tempo event; of several tempo events at one tick
    /// the last applies). Costs O(tempo changes) per call; convert many ticks with
    /// ``seconds(atTicks:)``.
    public func seconds(atTick tick: Int) -> Double {
        seconds(atTicks: [tick])[0]
    }

    /// The times in seconds of many ticks (in any order), in one pass over the tempo map.
    public func seconds(atTicks ticks: [Int]) -> [Double] {
        let changes = tempoMap
        let ticksPerBeat = Double(max(ticksPerBeat, 1))
        // Segment starts: (tick, seconds at that tick, microseconds per beat from there on).
        var segments: [(tick: Int, seconds: Double, microsecondsPerBeat: Int)] = [(0, 0, Self.defaultMicrosecondsPerBeat)]
        for change in changes {
            let last = segments[segments.count - 1]
            let start = max(change.tick, last.tick)
            let seconds = last.seconds + Double(start - last.tick) * Double(last.microsecondsPerBeat) / 1e6 / ticksPerBeat
            if start == last.tick {
                segments[segments.count - 1] = (start, seconds, change.microsecondsPerBeat)
            } else {
                segments.append((start, seconds, change.microsecondsPerBeat))
            }
        }
        return ticks.map { tick in
            var low = 0, high = segments.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if segments[middle].tick <= tick { low = middle } else { high = middle - 1 }
            }
            let segment = segments[low]
            return segment.seconds + Double(tick - segment.tick) * Double(segment.microsecondsPerBeat) / 1e6 / ticksPerBeat
        }
    }
}
