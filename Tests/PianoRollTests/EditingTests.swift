import PianoRoll
import TestSupport
import Testing

/// A roll built from (pitch, step, length, bin) notes.
private func roll(steps: Int, _ notes: [(Int, Int, Int, Int)], bins: Int = 32) throws -> PianoRoll {
    var roll = try PianoRoll(steps: steps, velocityBins: bins)
    for (pitch, step, length, bin) in notes {
        roll[pitch: pitch, step: step] = .onset(velocityBin: bin)
        for sustain in (step + 1)..<(step + length) { roll[pitch: pitch, step: sustain] = .sustain }
    }
    return roll
}

@Suite("Crop, shift, append")
struct EditingTests {
    @Test("a crop keeps its steps; a note sounding at the crop start is struck there at its own velocity")
    func crop() throws {
        var source = try roll(steps: 16, [(60, 0, 8, 20), (64, 4, 2, 5), (67, 6, 6, 9), (72, 12, 4, 1)])
        source.tempoMap = [.init(step: 0, beatsPerMinute: 100), .init(step: 5, beatsPerMinute: 80), .init(step: 10, beatsPerMinute: 60)]
        let crop = source.cropped(steps: 6..<12)
        #expect(crop.steps == 6)
        #expect(crop.notes == [
            PianoRoll.Note(pitch: 60, step: 0, length: 2, velocityBin: 20),
            PianoRoll.Note(pitch: 67, step: 0, length: 6, velocityBin: 9),
        ])
        #expect(crop[pitch: 60, step: 0] == .onset(velocityBin: 20))
        #expect(crop.tempoMap == [.init(step: 0, beatsPerMinute: 80), .init(step: 4, beatsPerMinute: 60)])
        #expect(crop.velocityBins == source.velocityBins)
        // Cropping the whole roll changes nothing; crops of crops compose.
        #expect(source.cropped(steps: 0..<16) == source)
        #expect(source.cropped(steps: 2..<14).cropped(steps: 4..<10) == crop)
    }

    @Test("steps beyond the roll, before or after it, are silent padding")
    func cropPadding() throws {
        let source = try roll(steps: 8, [(60, 2, 6, 3)])
        let padded = source.cropped(steps: -4..<12)
        #expect(padded.steps == 16)
        #expect(padded.spans == [[60, 6, 6]])
        #expect(padded.cropped(steps: 4..<12) == source)
        let outside = source.cropped(steps: 20..<24)
        #expect(outside.steps == 4 && outside.notes.isEmpty)
        #expect(source.cropped(steps: 3..<3).steps == 0)
    }

    @Test("crop notes are the source's notes clipped to the window (property over many windows)")
    func cropProperty() throws {
        var generator = SeededGenerator(seed: 3)
        var notes: [(Int, Int, Int, Int)] = []
        for pitch in stride(from: 40, to: 90, by: 3) {
            var step = Int.random(in: 0..<4, using: &generator)
            while step < 60 {
                let length = Int.random(in: 1...6, using: &generator)
                notes.append((pitch, step, min(length, 64 - step), Int.random(in: 0..<32, using: &generator)))
                step += length + Int.random(in: 0...2, using: &generator)
            }
        }
        let source = try roll(steps: 64, notes)
        for _ in 0..<50 {
            let start = Int.random(in: -8..<64, using: &generator)
            let window = start..<(start + Int.random(in: 0...40, using: &generator))
            let expected = source.notes.compactMap { note -> PianoRoll.Note? in
                let clipped = (note.step..<note.endStep).clamped(to: window)
                guard !clipped.isEmpty else { return nil }
                return PianoRoll.Note(pitch: note.pitch, step: clipped.lowerBound - window.lowerBound,
                                      length: clipped.count, velocityBin: note.velocityBin)
            }.sorted { ($0.step, $0.pitch) < ($1.step, $1.pitch) }
            #expect(source.cropped(steps: window).notes == expected)
        }
    }

    @Test("shifting transposes every cell and keeps everything else")
    func shift() throws {
        let source = try roll(steps: 8, [(21, 0, 4, 3), (100, 2, 2, 7)])
        #expect(source.allowedShifts == -21...27)
        let up = try source.shifted(bySemitones: 27)
        #expect(up.spans == [[48, 0, 4], [127, 2, 2]])
        #expect(up.notes.map(\.velocityBin) == [3, 7])
        #expect(try up.shifted(bySemitones: -27) == source)
        #expect(try source.shifted(bySemitones: -21).activePitchRange == 0...79)
        #expect(try source.shifted(bySemitones: 0) == source)
    }

    @Test("the music ends after its last sounding cell, before any trailing silence")
    func endOfLastNote() throws {
        #expect(try roll(steps: 32, [(40, 2, 6, 3), (70, 10, 4, 1)]).endOfLastNote == 14)
        #expect(try roll(steps: 32, [(40, 20, 12, 3)]).endOfLastNote == 32)
        #expect(try roll(steps: 32, []).endOfLastNote == 0)
        #expect(try roll(steps: 32, []).cropped(steps: 0..<0).endOfLastNote == 0)
    }

    @Test("a shift off the keyboard fails, naming the note and the allowed range")
    func shiftErrors() throws {
        let source = try roll(steps: 8, [(21, 0, 4, 3), (100, 2, 2, 7), (100, 5, 3, 1)])
        let up = thrownError { try source.shifted(bySemitones: 30) }
        #expect("\(up!)" == "cannot shift by +30 semitones: the note E7 (pitch 100) at step 2 would move to pitch 130, "
            + "off the keyboard (0…127); shifts allowed for this roll: -21…+27")
        let down = thrownError { try source.shifted(bySemitones: -22) }
        #expect("\(down!)" == "cannot shift by -22 semitones: the note A0 (pitch 21) at step 0 would move to pitch -1, "
            + "off the keyboard (0…127); shifts allowed for this roll: -21…+27")
        let silent = try PianoRoll(steps: 4)
        #expect(silent.allowedShifts == -127...127)
        #expect(try silent.shifted(bySemitones: 127) == silent)
    }

    @Test("appending joins notes and tempo maps; a leading sustain of the second roll is struck anew")
    func append() throws {
        var first = try roll(steps: 8, [(60, 4, 4, 10)])
        first.tempoMap = [.init(step: 0, beatsPerMinute: 90)]
        var second = try roll(steps: 6, [(62, 1, 2, 4)])
        second[pitch: 60, step: 0] = .sustain
        second[pitch: 60, step: 1] = .sustain
        second.tempoMap = [.init(step: 0, beatsPerMinute: 120), .init(step: 3, beatsPerMinute: 90)]
        second.timeSignatures = [.init(step: 0, numerator: 3, denominator: 4)]
        let joined = try first.appending(second)
        #expect(joined.steps == 14)
        #expect(joined.notes == [
            PianoRoll.Note(pitch: 60, step: 4, length: 4, velocityBin: 10),
            PianoRoll.Note(pitch: 60, step: 8, length: 2, velocityBin: 16),
            PianoRoll.Note(pitch: 62, step: 9, length: 2, velocityBin: 4),
        ])
        #expect(joined.tempoMap == [.init(step: 0, beatsPerMinute: 90), .init(step: 8, beatsPerMinute: 120),
                                    .init(step: 11, beatsPerMinute: 90)])
        #expect(joined.timeSignatures == [.init(step: 0, numerator: 4, denominator: 4), .init(step: 8, numerator: 3, denominator: 4)])
        #expect(joined.cropped(steps: 0..<8) == first)
        #expect(try PianoRoll(steps: 0).appending(first) == first)
        #expect(try first.appending(PianoRoll(steps: 0)) == first)
    }

    @Test("appending rolls with different velocity bins fails with a message")
    func appendMismatch() throws {
        let error = thrownError { try PianoRoll(steps: 4, velocityBins: 32).appending(PianoRoll(steps: 4, velocityBins: 16)) }
        #expect("\(error!)" == "cannot append a roll with 16 velocity bins to one with 32; "
            + "convert both with the same ConversionOptions.velocityBins")
    }

    @Test("notes sounding at a step, including ones struck earlier")
    func soundingNotes() throws {
        let source = try roll(steps: 10, [(60, 0, 6, 2), (64, 3, 1, 4), (67, 5, 5, 6)])
        #expect(source.notes(soundingAt: 5) == [
            PianoRoll.Note(pitch: 60, step: 0, length: 6, velocityBin: 2),
            PianoRoll.Note(pitch: 67, step: 5, length: 5, velocityBin: 6),
        ])
        #expect(source.notes(soundingAt: 10).isEmpty)
        #expect(source.notes(soundingAt: -1).isEmpty)
    }
}
