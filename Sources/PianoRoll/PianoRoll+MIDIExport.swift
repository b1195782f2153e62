import Foundation
import MIDIFile

extension PianoRoll {
    /// The time base of the MIDI files a roll writes: 480 ticks per beat, 120 per step.
    public static let midiTicksPerBeat = 480

    /// The roll as a format-1 MIDI file at ``midiTicksPerBeat``: a conductor track with the
    /// tempo map and time signatures, and one piano track (channel 1, program 0) with a note per
    /// onset, lasting through its sustain cells, at its bin's centre velocity. Both tracks end
    /// at the roll's last step, so trailing silence is kept.
    public func midiFile() -> StandardMIDIFile {
        let ticksPerStep = Self.midiTicksPerBeat / Self.stepsPerBeat
        let endTick = steps * ticksPerStep

        var conductor: [MIDIEvent] = []
        for signature in timeSignatures {
            conductor.append(MIDIEvent(tick: signature.step * ticksPerStep, message: .meta(.timeSignature(
                numerator: signature.numerator, denominator: signature.denominator,
                clocksPerClick: max(96 / max(signature.denominator, 1), 1), thirtySecondNotesPerBeat: 8))))
        }
        for tempo in tempoMap {
            conductor.append(MIDIEvent(tick: tempo.step * ticksPerStep,
                                       message: .meta(.tempo(microsecondsPerBeat: tempo.microsecondsPerBeat))))
        }
        conductor.sort { $0.tick < $1.tick }
        conductor.append(MIDIEvent(tick: endTick, message: .meta(.endOfTrack)))

        // MIDIFile's builder puts note-offs before note-ons at one tick, so a re-struck pitch
        // reads back as two notes.
        let binning = self.binning
        let notes = self.notes.map { note in
            MIDINote(track: 1, channel: 0, pitch: note.pitch, onTick: note.step * ticksPerStep,
                     offTick: note.endStep * ticksPerStep, velocity: binning.centreVelocity(ofBin: note.velocityBin))
        }
        let piano = MIDITrack(notes: notes, otherEvents: [
            MIDIEvent(tick: 0, message: .meta(.trackName(Array("Piano".utf8)))),
            MIDIEvent(tick: 0, message: .programChange(channel: 0, program: 0)),
            MIDIEvent(tick: endTick, message: .meta(.endOfTrack)),
        ])

        return StandardMIDIFile(format: 1, ticksPerBeat: Self.midiTicksPerBeat,
                                tracks: [MIDITrack(events: conductor), piano])
    }

    /// Writes ``midiFile()`` to `url` (to a temporary file first, then renamed over `url`).
    public func writeMIDI(to url: URL) throws(PianoRollError) {
        do {
            try midiFile().write(to: url)
        } catch {
            throw PianoRollError.midiFile(error)
        }
    }
}
