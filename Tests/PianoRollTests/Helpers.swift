import Foundation
import MIDIFile
import PianoRoll

/// A note for building test files: channel, pitch, ticks and velocity.
struct TestNote {
    var channel = 0
    var pitch: Int
    var on: Int
    var off: Int
    var velocity = 100
}

/// The events of notes, in tick order (note-offs before note-ons at one tick, except the
/// note-off of a zero-length note, which follows its note-on).
func events(_ notes: [TestNote]) -> [MIDIEvent] {
    var events: [(tick: Int, order: Int, message: MIDIMessage)] = []
    for note in notes {
        events.append((note.on, 1, .noteOn(channel: note.channel, pitch: note.pitch, velocity: note.velocity)))
        events.append((note.off, note.off == note.on ? 2 : 0, .noteOff(channel: note.channel, pitch: note.pitch, velocity: 0)))
    }
    return events.enumerated()
        .sorted { ($0.element.tick, $0.element.order, $0.offset) < ($1.element.tick, $1.element.order, $1.offset) }
        .map { MIDIEvent(tick: $0.element.tick, message: $0.element.message) }
}

/// A sustain-pedal event.
func pedal(_ tick: Int, down: Bool, channel: Int = 0) -> MIDIEvent {
    MIDIEvent(tick: tick, message: .controlChange(channel: channel, controller: 64, value: down ? 127 : 0))
}

/// A format-1 file of the given tracks (each sorted by tick, stably).
func midiFile(ticksPerBeat: Int = 480, _ tracks: [MIDIEvent]...) -> StandardMIDIFile {
    StandardMIDIFile(format: 1, ticksPerBeat: ticksPerBeat, tracks: tracks.map { events in
        MIDITrack(events: events.enumerated()
            .sorted { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }
            .map(\.element))
    })
}

/// A file with one track of notes.
func midiFile(ticksPerBeat: Int = 480, notes: [TestNote]) -> StandardMIDIFile {
    midiFile(ticksPerBeat: ticksPerBeat, events(notes))
}

extension PianoRoll {
    /// The notes as (pitch, step, length) triples, for compact expectations.
    var spans: [[Int]] {
        notes.map { [$0.pitch, $0.step, $0.length] }
    }
}

/// The error a throwing expression throws, or nil.
func thrownError<T>(_ body: () throws -> T) -> (any Error)? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
