/// One track of a Standard MIDI File: its events in file order, each at an absolute tick.
///
/// Ticks never decrease along a track read from a file. A track read from a file always ends
/// with exactly one ``MIDIMetaEvent/endOfTrack`` event (see docs/MIDI-RULES.md).
public struct MIDITrack: Sendable, Equatable {
    /// The events in file order, at absolute ticks.
    public var events: [MIDIEvent]

    /// Makes a track from events at absolute ticks.
    public init(events: [MIDIEvent]) {
        self.events = events
    }

    /// The track's name: the first track-name meta event, decoded as UTF-8, with invalid bytes
    /// (legacy Shift-JIS, GBK or Latin-1 names) replaced by U+FFFD; nil when the track has none.
    public var name: String? {
        for event in events {
            if case .meta(.trackName(let bytes)) = event.message {
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return nil
    }

    /// The tick of the track's last event (its end-of-track tick); 0 for an empty track.
    public var endTick: Int {
        events.last?.tick ?? 0
    }
}

/// A message at an absolute tick of a track.
public struct MIDIEvent: Sendable, Equatable {
    /// The absolute time in ticks from the start of the track.
    public var tick: Int
    /// What happens at that tick.
    public var message: MIDIMessage

    /// Makes an event at an absolute tick.
    public init(tick: Int, message: MIDIMessage) {
        self.tick = tick
        self.message = message
    }
}

/// The content of a track event: a channel message, a system-exclusive packet or a meta event.
///
/// Channels are 0–15; pitches, velocities, controllers, values and programs are 0–127.
/// `pitchBend` values are signed, −8192…8191, with 0 meaning no bend. A note-on with velocity 0
/// is kept as a `noteOn` (so files round-trip byte for byte in meaning) but counts as a note-off
/// when notes are paired.
public enum MIDIMessage: Sendable, Equatable {
    /// Starts a note (velocity 0 means note-off).
    case noteOn(channel: Int, pitch: Int, velocity: Int)
    /// Ends a note.
    case noteOff(channel: Int, pitch: Int, velocity: Int)
    /// Polyphonic key pressure (aftertouch) on one pitch.
    case polyphonicPressure(channel: Int, pitch: Int, pressure: Int)
    /// A controller change, e.g. controller 64 is the sustain pedal.
    case controlChange(channel: Int, controller: Int, value: Int)
    /// Selects an instrument (General MIDI program 0–127).
    case programChange(channel: Int, program: Int)
    /// Channel pressure (aftertouch) for the whole channel.
    case channelPressure(channel: Int, pressure: Int)
    /// Pitch bend, −8192…8191 (0 is centre).
    case pitchBend(channel: Int, value: Int)
    /// A system-exclusive event (status F0): the bytes after its length, usually ending in F7.
    case sysex([UInt8])
    /// An escape or sysex continuation event (status F7): the bytes after its length.
    case escape([UInt8])
    /// A meta event (status FF).
    case meta(MIDIMetaEvent)
}

/// A meta event: information for sequencers rather than for instruments.
///
/// Tempo, time signature and key signature events whose payload does not have the standard
/// length are kept as ``other(type:data:)`` so that nothing is lost and they round-trip.
public enum MIDIMetaEvent: Sendable, Equatable {
    /// Set tempo (type 51): microseconds per quarter note.
    case tempo(microsecondsPerBeat: Int)
    /// Time signature (type 58). `denominator` is the real denominator (4 for x/4), a power of 2.
    case timeSignature(numerator: Int, denominator: Int, clocksPerClick: Int, thirtySecondNotesPerBeat: Int)
    /// Key signature (type 59): `sharps` −7…7 (negative for flats); `mode` 0 major, 1 minor.
    /// Other mode values found in files (e.g. 255) are kept as they are.
    case keySignature(sharps: Int, mode: Int)
    /// Sequence or track name (type 03), raw bytes; see ``MIDITrack/name`` for a String.
    case trackName([UInt8])
    /// End of track (type 2F).
    case endOfTrack
    /// Any other meta event, kept raw.
    case other(type: Int, data: [UInt8])
}

/// A note: a note-on paired with its note-off (see docs/MIDI-RULES.md for the pairing rule).
public struct MIDINote: Sendable, Equatable, Hashable {
    /// Index of the track in ``StandardMIDIFile/tracks``.
    public var track: Int
    /// MIDI channel 0–15 (9 is General MIDI drums).
    public var channel: Int
    /// MIDI pitch 0–127 (60 is middle C).
    public var pitch: Int
    /// Tick of the note-on.
    public var onTick: Int
    /// Tick of the note-off (equal to `onTick` for a zero-length note).
    public var offTick: Int
    /// Note-on velocity 1–127.
    public var velocity: Int

    /// Makes a note.
    public init(track: Int, channel: Int, pitch: Int, onTick: Int, offTick: Int, velocity: Int) {
        self.track = track
        self.channel = channel
        self.pitch = pitch
        self.onTick = onTick
        self.offTick = offTick
        self.velocity = velocity
    }
}

/// A tempo change: from `tick` on, a beat (quarter note) lasts `microsecondsPerBeat`.
public struct TempoChange: Sendable, Equatable {
    /// Where the tempo takes effect.
    public var tick: Int
    /// Microseconds per quarter note (500,000 is 120 beats per minute).
    public var microsecondsPerBeat: Int

    /// Makes a tempo change.
    public init(tick: Int, microsecondsPerBeat: Int) {
        self.tick = tick
        self.microsecondsPerBeat = microsecondsPerBeat
    }
}

/// A time signature change at a tick, e.g. 3/4.
public struct TimeSignature: Sendable, Equatable {
    /// Where the time signature takes effect.
    public var tick: Int
    /// Beats per bar.
    public var numerator: Int
    /// The note value of a beat (4 for a quarter note).
    public var denominator: Int

    /// Makes a time signature change.
    public init(tick: Int, numerator: Int, denominator: Int) {
        self.tick = tick
        self.numerator = numerator
        self.denominator = denominator
    }
}
