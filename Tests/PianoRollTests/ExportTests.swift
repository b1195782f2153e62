import Foundation
import MIDIFile
import PianoRoll
import TestSupport
import Testing

@Suite("Roll → MIDI")
struct ExportTests {
    @Test("format 1 at 480 ticks per beat: a conductor track and a piano track")
    func layout() throws {
        var roll = try PianoRoll(steps: 16, velocityBins: 4)
        roll.tempoMap = [.init(step: 0, microsecondsPerBeat: 600_000), .init(step: 8, microsecondsPerBeat: 400_000)]
        roll.timeSignatures = [.init(step: 0, numerator: 3, denominator: 4), .init(step: 12, numerator: 6, denominator: 8)]
        roll[pitch: 60, step: 0] = .onset(velocityBin: 2)
        roll[pitch: 60, step: 1] = .sustain
        roll[pitch: 60, step: 2] = .onset(velocityBin: 0)  // re-struck right after the first note
        let file = roll.midiFile()
        #expect(file.format == 1)
        #expect(file.ticksPerBeat == 480)
        #expect(file.tracks.count == 2)
        #expect(file.tempoMap == [TempoChange(tick: 0, microsecondsPerBeat: 600_000), TempoChange(tick: 960, microsecondsPerBeat: 400_000)])
        #expect(file.timeSignatures == [TimeSignature(tick: 0, numerator: 3, denominator: 4), TimeSignature(tick: 1440, numerator: 6, denominator: 8)])
        #expect(file.tracks[1].name == "Piano")
        #expect(file.notes == [
            MIDINote(track: 1, channel: 0, pitch: 60, onTick: 0, offTick: 240, velocity: 80),
            MIDINote(track: 1, channel: 0, pitch: 60, onTick: 240, offTick: 360, velocity: 16),
        ])
        #expect(file.tracks.allSatisfy { $0.endTick == 16 * 120 })
        let piano = file.tracks[1].events.map(\.message)
        let reStrike = piano.firstIndex(of: .noteOn(channel: 0, pitch: 60, velocity: 16))!
        #expect(piano[reStrike - 1] == .noteOff(channel: 0, pitch: 60, velocity: 0))
    }

    @Test("trailing silence survives writing and reading back")
    func trailingSilence() throws {
        var roll = try PianoRoll(steps: 64)
        roll[pitch: 72, step: 3] = .onset(velocityBin: 9)
        let again = try PianoRoll(StandardMIDIFile(data: roll.midiFile().encoded(), fileName: "silence.mid"))
        #expect(again == roll)
    }

    @Test("a roll written to disk reads back equal; a failed write names the file")
    func writeToDisk() throws {
        var roll = try PianoRoll(steps: 8)
        roll[pitch: 64, step: 2] = .onset(velocityBin: 20)
        roll[pitch: 64, step: 3] = .sustain
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("PianoRollTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("roll.mid")
        try roll.writeMIDI(to: url)
        #expect(try PianoRoll(contentsOf: url) == roll)

        let missing = folder.appendingPathComponent("no-such-folder/roll.mid")
        let error = thrownError { try roll.writeMIDI(to: missing) }
        #expect("\(error!)".hasPrefix("roll.mid: cannot write \(missing.path)"))
        #expect("\(error!)".hasSuffix("; check that the folder exists and is writable"))
    }

    @Test("hand-built rolls with sustains that continue nothing still round-trip as notes")
    func orphanSustainsRoundTrip() throws {
        var roll = try PianoRoll(steps: 6, velocityBins: 8)
        roll[pitch: 50, step: 0] = .sustain
        roll[pitch: 50, step: 1] = .sustain
        roll[pitch: 52, step: 4] = .sustain
        let again = try PianoRoll(roll.midiFile(), options: .init(velocityBins: 8))
        #expect(again.notes == roll.notes)
        #expect(again[pitch: 50, step: 0] == .onset(velocityBin: 4))
    }
}

@Suite("Round trip of random rolls")
struct RandomRoundTripTests {
    @Test("random well-formed rolls survive roll → MIDI bytes → roll, for several bin counts", arguments: [1, 7, 32, 127])
    func randomRolls(velocityBins: Int) throws {
        var generator = SeededGenerator(seed: UInt64(velocityBins))
        for _ in 0..<10 {
            let steps = Int.random(in: 1...300, using: &generator)
            var roll = try PianoRoll(steps: steps, velocityBins: velocityBins)
            for pitch in 0..<128 where Int.random(in: 0..<4, using: &generator) == 0 {
                var step = Int.random(in: 0..<8, using: &generator)
                while step < steps {
                    let length = min(Int.random(in: 1...12, using: &generator), steps - step)
                    roll[pitch: pitch, step: step] = .onset(velocityBin: Int.random(in: 0..<velocityBins, using: &generator))
                    for sustain in (step + 1)..<(step + length) { roll[pitch: pitch, step: sustain] = .sustain }
                    step += length + Int.random(in: 0...6, using: &generator)
                }
            }
            roll.tempoMap = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                .init(step: Int.random(in: 0..<steps, using: &generator), microsecondsPerBeat: Int.random(in: 250_000...1_500_000, using: &generator))
            }
            roll.timeSignatures = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                .init(step: Int.random(in: 0..<steps, using: &generator), numerator: Int.random(in: 2...7, using: &generator),
                      denominator: [2, 4, 8].randomElement(using: &generator)!)
            }
            let bytes = roll.midiFile().encoded()
            let again = try PianoRoll(StandardMIDIFile(data: bytes, fileName: "random.mid"),
                                      options: .init(velocityBins: velocityBins))
            #expect(again == roll)
        }
    }
}
