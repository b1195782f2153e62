import Foundation
import MIDIFile
import PianoRoll
import Testing

/// The rules of docs/ROLL-RULES.md, each on a hand-made file (480 ticks per beat: 120 ticks
/// per step unless stated).
@Suite("MIDI → roll rules")
struct ConversionRuleTests {
    @Test("a note becomes an onset with its velocity bin followed by sustain cells")
    func singleNote() throws {
        let roll = try PianoRoll(midiFile(notes: [TestNote(pitch: 60, on: 480, off: 960, velocity: 100)]))
        #expect(roll.steps == 8)
        #expect(roll[pitch: 60, step: 3] == .silent)
        #expect(roll[pitch: 60, step: 4] == .onset(velocityBin: 24))  // (100 − 1) · 32 / 127 = 24
        #expect((5...7).allSatisfy { roll[pitch: 60, step: $0] == .sustain })
        #expect(roll.spans == [[60, 4, 4]])
        #expect(roll.velocityBins == 32)
    }

    @Test("tracks and channels merge into one part; the drum channel is dropped unless asked")
    func mergingAndDrums() throws {
        let file = midiFile(
            events([TestNote(channel: 0, pitch: 60, on: 0, off: 240)]),
            events([TestNote(channel: 3, pitch: 64, on: 0, off: 240), TestNote(channel: 9, pitch: 36, on: 240, off: 360)]),
            events([TestNote(channel: 1, pitch: 67, on: 120, off: 480)]))
        let roll = try PianoRoll(file)
        #expect(roll.spans == [[60, 0, 2], [64, 0, 2], [67, 1, 3]])
        #expect(roll.steps == 4)
        let withDrums = try PianoRoll(file, options: .init(includeDrums: true))
        #expect(withDrums.spans == [[60, 0, 2], [64, 0, 2], [67, 1, 3], [36, 2, 1]])
    }

    @Test("the sustain pedal holds released notes until it comes up; the option turns it off")
    func sustainPedal() throws {
        let notes = events([
            TestNote(pitch: 60, on: 0, off: 240),      // released while the pedal is down → held to 960
            TestNote(pitch: 64, on: 480, off: 600),    // released while down → held to 960
            TestNote(pitch: 67, on: 1200, off: 1440),  // pedal up again: unchanged
        ])
        let file = midiFile(notes + [pedal(120, down: true), pedal(960, down: false)])
        #expect(try PianoRoll(file).spans == [[60, 0, 8], [64, 4, 4], [67, 10, 2]])
        #expect(try PianoRoll(file, options: .init(applySustainPedal: false)).spans
            == [[60, 0, 2], [64, 4, 1], [67, 10, 2]])
    }

    @Test("the pedal counts as down from the tick it is pressed; re-pedalling at one tick holds on")
    func pedalBoundaries() throws {
        let notes = events([
            TestNote(pitch: 60, on: 0, off: 240),    // released as the pedal goes down: held to 720
            TestNote(pitch: 62, on: 240, off: 720),  // released as the pedal is lifted and pressed again: held to 1200
            TestNote(pitch: 64, on: 1200, off: 1320),  // released after the last lift: unchanged
        ])
        let file = midiFile(notes + [pedal(240, down: true), pedal(720, down: false), pedal(720, down: true),
                                     pedal(1200, down: false)])
        #expect(try PianoRoll(file).spans == [[60, 0, 6], [62, 2, 8], [64, 10, 1]])
    }

    @Test("the pedal of one channel does not hold notes of another; CC64 values below 64 are up")
    func pedalPerChannel() throws {
        let notes = events([TestNote(channel: 0, pitch: 60, on: 0, off: 240), TestNote(channel: 1, pitch: 62, on: 0, off: 240)])
        let halfPedal = MIDIEvent(tick: 0, message: .controlChange(channel: 1, controller: 64, value: 63))
        let file = midiFile(notes + [pedal(0, down: true, channel: 0), halfPedal, pedal(960, down: false, channel: 0),
                                     MIDIEvent(tick: 960, message: .controlChange(channel: 1, controller: 64, value: 0))])
        #expect(try PianoRoll(file).spans == [[60, 0, 8], [62, 0, 2]])
    }

    @Test("a pedal never released holds notes to the file's end")
    func pedalNeverReleased() throws {
        let file = midiFile(
            events([TestNote(pitch: 60, on: 0, off: 120)]) + [pedal(0, down: true)],
            [MIDIEvent(tick: 1920, message: .meta(.endOfTrack))])
        let roll = try PianoRoll(file)
        #expect(roll.steps == 16)
        #expect(roll.spans == [[60, 0, 16]])
    }

    @Test("a pedal down for more than 32 beats, lifted late or never, holds nothing")
    func pedalLeftOn() throws {
        let beat = 480
        let limit = PianoRoll.ConversionOptions.longestPedalHoldBeats * beat
        let notes = events([
            TestNote(pitch: 60, on: 0, off: beat),                        // under a hold of exactly 32 beats: held
            TestNote(pitch: 62, on: limit + beat, off: limit + 2 * beat),  // under a hold one tick too long: not held
            TestNote(pitch: 64, on: 3 * limit, off: 3 * limit + beat),     // under a pedal never lifted, 33 beats to the end
        ])
        let file = midiFile(
            notes + [pedal(0, down: true), pedal(limit, down: false),
                     pedal(limit + beat, down: true), pedal(2 * limit + beat + 1, down: false),
                     pedal(3 * limit, down: true)],
            [MIDIEvent(tick: 4 * limit + beat, message: .meta(.endOfTrack))])
        let roll = try PianoRoll(file)
        #expect(roll.spans == [[60, 0, 128], [62, 132, 4], [64, 384, 4]])
        #expect(roll.steps == 516)
    }

    @Test("a pitch struck again while it sounds (held or pedalled) ends the earlier note")
    func overlapEndsEarlierNote() throws {
        // Pairing is first in, first out: the notes are 0–720 and 240–960.
        let overlapping = midiFile([
            MIDIEvent(tick: 0, message: .noteOn(channel: 0, pitch: 60, velocity: 40)),
            MIDIEvent(tick: 240, message: .noteOn(channel: 0, pitch: 60, velocity: 100)),
            MIDIEvent(tick: 720, message: .noteOff(channel: 0, pitch: 60, velocity: 0)),
            MIDIEvent(tick: 960, message: .noteOff(channel: 0, pitch: 60, velocity: 0)),
        ])
        let roll = try PianoRoll(overlapping)
        #expect(roll.notes == [
            PianoRoll.Note(pitch: 60, step: 0, length: 2, velocityBin: 9),
            PianoRoll.Note(pitch: 60, step: 2, length: 6, velocityBin: 24),
        ])
        // The same across tracks, and under the pedal.
        let acrossTracks = midiFile(events([TestNote(pitch: 50, on: 0, off: 1200)]),
                                    events([TestNote(channel: 2, pitch: 50, on: 480, off: 600)]) + [pedal(0, down: true, channel: 2),
                                                                                               pedal(960, down: false, channel: 2)])
        #expect(try PianoRoll(acrossTracks).spans == [[50, 0, 4], [50, 4, 4]])
    }

    @Test("a note lasts at least one step: zero-length notes and notes rounding to nothing")
    func minimumLength() throws {
        let file = midiFile(notes: [
            TestNote(pitch: 60, on: 0, off: 0),        // zero length in the file
            TestNote(pitch: 62, on: 480, off: 530),    // 50 ticks: rounds to 0 steps
            TestNote(pitch: 64, on: 960, off: 1080),   // exactly one step
        ])
        let roll = try PianoRoll(file)
        #expect(roll.spans == [[60, 0, 1], [62, 4, 1], [64, 8, 1]])
        #expect(roll.steps == 9)
    }

    @Test("notes of one pitch that round to the same step become one: loudest velocity, latest end")
    func sameStepOnsets() throws {
        let file = midiFile(
            events([TestNote(pitch: 60, on: 0, off: 240, velocity: 30), TestNote(pitch: 60, on: 960, off: 1080)]),
            events([TestNote(channel: 1, pitch: 60, on: 10, off: 600, velocity: 90)]))
        let roll = try PianoRoll(file)
        #expect(roll.notes == [
            PianoRoll.Note(pitch: 60, step: 0, length: 5, velocityBin: 22),
            PianoRoll.Note(pitch: 60, step: 8, length: 1, velocityBin: 24),
        ])
    }

    @Test("velocities become bins of the chosen count; the bin's centre is written back")
    func velocityBinning() throws {
        let velocities = [1, 4, 5, 63, 64, 126, 127]
        let file = midiFile(notes: velocities.enumerated().map { TestNote(pitch: 60 + $0.offset, on: 0, off: 120, velocity: $0.element) })
        let roll = try PianoRoll(file)
        #expect(roll.notes.map(\.velocityBin) == [0, 0, 1, 15, 15, 31, 31])
        let coarse = try PianoRoll(file, options: .init(velocityBins: 4))
        #expect(coarse.notes.map(\.velocityBin) == [0, 0, 0, 1, 1, 3, 3])
        let written = coarse.midiFile().notes.map(\.velocity)
        #expect(written == [16, 16, 16, 48, 48, 112, 112])
        let error = thrownError { try PianoRoll(file, options: .init(velocityBins: 0)) }
        #expect("\(error!)" == "velocity bins must be between 1 and 127, got 0; use the default, 32")
    }

    @Test("the roll lasts to the file's last event, so trailing silence is kept")
    func lengthFromEndOfTrack() throws {
        let file = midiFile(events([TestNote(pitch: 60, on: 0, off: 480)]) + [MIDIEvent(tick: 3840, message: .meta(.endOfTrack))])
        #expect(try PianoRoll(file).steps == 32)
        let empty = midiFile([MIDIEvent(tick: 0, message: .meta(.endOfTrack))])
        let emptyRoll = try PianoRoll(empty)
        #expect(emptyRoll.steps == 0)
        #expect(emptyRoll.notes.isEmpty)
    }

    @Test("tempo and time-signature changes are kept in steps, on the file's shifted grid")
    func tempoAndMeter() throws {
        let meta: [MIDIEvent] = [
            MIDIEvent(tick: 0, message: .meta(.tempo(microsecondsPerBeat: 600_000))),
            MIDIEvent(tick: 0, message: .meta(.timeSignature(numerator: 3, denominator: 4, clocksPerClick: 24, thirtySecondNotesPerBeat: 8))),
            MIDIEvent(tick: 1440 + 44, message: .meta(.tempo(microsecondsPerBeat: 400_000))),
            MIDIEvent(tick: 2880 + 30, message: .meta(.timeSignature(numerator: 6, denominator: 8, clocksPerClick: 36, thirtySecondNotesPerBeat: 8))),
        ]
        let notes = (0..<32).map { TestNote(pitch: 60, on: 44 + 120 * $0, off: 44 + 120 * $0 + 100) }
        let roll = try PianoRoll(midiFile(meta, events(notes)))
        #expect(roll.tempoMap == [.init(step: 0, microsecondsPerBeat: 600_000), .init(step: 12, microsecondsPerBeat: 400_000)])
        #expect(roll.timeSignatures == [.init(step: 0, numerator: 3, denominator: 4), .init(step: 24, numerator: 6, denominator: 8)])
        #expect(roll.notes.first?.step == 0)
        #expect(roll.notes.count == 32)
        // A file without tempo events plays at 120 beats per minute, in 4/4.
        let plain = try PianoRoll(midiFile(notes: [TestNote(pitch: 60, on: 0, off: 480)]))
        #expect(plain.tempoMap == [.init(step: 0, microsecondsPerBeat: 500_000)])
        #expect(plain.timeSignatures == [.init(step: 0, numerator: 4, denominator: 4)])
    }

    @Test("onsets on a grid shifted by 44 ticks land on whole steps")
    func shiftedGridFile() throws {
        let notes = (0..<40).map { TestNote(pitch: 48 + $0 % 24, on: 44 + 240 * $0, off: 44 + 240 * $0 + 200) }
        let file = midiFile(notes: notes)
        let grid = PianoRoll.gridOffset(of: file)
        #expect(grid.ticks == 44)
        #expect(grid.onGridShare == 1)
        let roll = try PianoRoll(file)
        #expect(roll.notes.map(\.step) == (0..<40).map { 2 * $0 })
        #expect(roll.notes.allSatisfy { $0.length == 2 })
        // An offset past half a step is taken as a negative one: a grid at 100 ticks is the
        // grid at −20 ticks, so those onsets land on odd steps — and then, being all on odd
        // steps, move three steps later onto the 8th-note grid (docs/ROLL-RULES.md, rule 6).
        let late = (0..<40).map { TestNote(pitch: 60, on: 100 + 240 * $0, off: 100 + 240 * $0 + 120) }
        let lateRoll = try PianoRoll(midiFile(notes: late))
        #expect(PianoRoll.gridOffset(of: midiFile(notes: late)).ticks == -20)
        #expect(lateRoll.notes.map(\.step) == (0..<40).map { 2 * $0 + 1 + 3 })
    }

    @Test("music on the odd steps moves later onto the 8th-note grid; bar lines and tempo stay")
    func eighthNoteAlignment() throws {
        // 24 onsets: 16 a step before a beat (step 4k + 3), 8 a step after one (4k + 1).
        let beforeBeats = (0..<16).map { TestNote(pitch: 60, on: 120 * (4 * $0 + 3), off: 120 * (4 * $0 + 3) + 100) }
        let afterBeats = (0..<8).map { TestNote(pitch: 64, on: 120 * (4 * $0 + 1), off: 120 * (4 * $0 + 1) + 100) }
        let file = midiFile(events(beforeBeats + afterBeats)
            + [MIDIEvent(tick: 960, message: .meta(.tempo(microsecondsPerBeat: 400_000))),
               MIDIEvent(tick: 1920, message: .meta(.timeSignature(numerator: 3, denominator: 4, clocksPerClick: 24, thirtySecondNotesPerBeat: 8)))])
        let alignment = PianoRoll.eighthNoteAlignment(of: file)
        #expect(alignment.onsetCount == 24 && alignment.oddOnsetCount == 24 && alignment.delaySteps == 1)
        let roll = try PianoRoll(file)
        #expect(roll.notes.filter { $0.pitch == 60 }.map(\.step) == (0..<16).map { 4 * $0 + 4 })
        #expect(roll.notes.filter { $0.pitch == 64 }.map(\.step) == (0..<8).map { 4 * $0 + 2 })
        #expect(roll.tempoMap.map(\.step) == [0, 8])
        #expect(roll.timeSignatures.map(\.step) == [0, 16])
        #expect(roll.steps == 4 * 15 + 3 + 1 + 1)
        // Without the alignment (how `continue` and `inpaint` read their input), the music
        // stays on the steps the file puts it.
        let asWritten = try PianoRoll(file, options: PianoRoll.ConversionOptions(alignsEighthNoteGrid: false))
        #expect(asWritten.notes.filter { $0.pitch == 60 }.map(\.step) == (0..<16).map { 4 * $0 + 3 })
        #expect(asWritten.notes.filter { $0.pitch == 64 }.map(\.step) == (0..<8).map { 4 * $0 + 1 })
        #expect(asWritten.tempoMap == roll.tempoMap && asWritten.timeSignatures == roll.timeSignatures)
        #expect(asWritten.steps == roll.steps - 1)

        // Mostly after the beats (or as many on each side): three steps later.
        let mostlyAfter = (0..<20).map { 4 * $0 + 1 } + (0..<10).map { 4 * $0 + 3 }
        #expect(PianoRoll.EighthNoteAlignment(onsetSteps: mostlyAfter).delaySteps == 3)
        #expect(PianoRoll.EighthNoteAlignment(onsetSteps: (0..<20).map { 2 * $0 + 1 }).delaySteps == 3)
        // Music on the even steps, music with no clear 8th-note grid (exactly 60 % odd) and a
        // sketch of fewer than 16 onsets stay where they are.
        #expect(PianoRoll.EighthNoteAlignment(onsetSteps: (0..<40).map { 2 * $0 }).delaySteps == 0)
        #expect(PianoRoll.EighthNoteAlignment(onsetSteps: (0..<30).map { 2 * $0 + 1 } + (0..<20).map { 2 * $0 }).delaySteps == 0)
        #expect(PianoRoll.EighthNoteAlignment(onsetSteps: (0..<15).map { 2 * $0 + 1 }).delaySteps == 0)
        #expect(PianoRoll.EighthNoteAlignment(onsetSteps: []).oddShare == 0)
    }

    @Test("a file whose last event lies absurdly late is rejected, not allocated")
    func tooLong() throws {
        let file = midiFile(ticksPerBeat: 4, events([TestNote(pitch: 60, on: 0, off: 4)])
            + [MIDIEvent(tick: 0x0FFF_FFFF, message: .meta(.endOfTrack))])
        let error = thrownError { try PianoRoll(file) }
        #expect("\(error!)" == "the music lasts 268435455 steps (16th notes), more than a piano roll holds (1048576); "
            + "the file is probably damaged — check the ticks of its last events")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("PianoRollTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("long.mid")
        try file.write(to: url)
        let named = thrownError { try PianoRoll(contentsOf: url) }
        #expect("\(named!)".hasPrefix("long.mid: the music lasts 268435455 steps"))
        let atLimit = midiFile(ticksPerBeat: 4, [MIDIEvent(tick: PianoRoll.maximumSteps, message: .meta(.endOfTrack))])
        #expect(try PianoRoll(atLimit).steps == PianoRoll.maximumSteps)
    }

    @Test("a file that cannot be read fails with the reader's message")
    func unreadableFile() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/folder/song.mid")
        let error = thrownError { try PianoRoll(contentsOf: missing) }
        #expect("\(error!)" == "song.mid: no such file at /nonexistent/folder/song.mid; check the path")
    }
}
