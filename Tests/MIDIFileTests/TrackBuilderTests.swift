import Foundation
import MIDIFile
import Testing
import TestSupport

/// `MIDITrack(notes:otherEvents:)` writes notes that pair back into the same notes.
@Suite struct TrackBuilderTests {
    @Test func adjacentZeroLengthAndSameOnsetNotesComeBack() throws {
        let notes = [
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 0, offTick: 100, velocity: 10),
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 100, offTick: 200, velocity: 20),
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 100, offTick: 100, velocity: 30),
            MIDINote(track: 0, channel: 0, pitch: 60, onTick: 150, offTick: 250, velocity: 40),
            MIDINote(track: 0, channel: 9, pitch: 36, onTick: 0, offTick: 0, velocity: 50),
        ]
        let track = MIDITrack(notes: notes.reversed(), otherEvents: [
            MIDIEvent(tick: 0, message: .meta(.tempo(microsecondsPerBeat: 400_000))),
            MIDIEvent(tick: 300, message: .controlChange(channel: 0, controller: 64, value: 0)),
        ])
        #expect(track.events.first?.message == .meta(.tempo(microsecondsPerBeat: 400_000)))
        #expect(track.events.last == MIDIEvent(tick: 300, message: .meta(.endOfTrack)))
        let file = StandardMIDIFile(format: 0, ticksPerBeat: 480, tracks: [track])
        #expect(file.notes == notes.sorted { ($0.onTick, $0.channel, $0.offTick) < ($1.onTick, $1.channel, $1.offTick) })
        #expect(try StandardMIDIFile(data: file.encoded(), fileName: "built.mid").notes == file.notes)
    }

    /// Rebuilding every track of the POP909 CI subset from its notes and other events gives
    /// back the same notes.
    @Test(.enabled(if: SharedData.shouldRun)) func pop909NotesSurviveRebuilding() throws {
        let ids = try String(contentsOf: SharedData.url("pop909/ci_mini.txt"), encoding: .utf8)
            .split(whereSeparator: \.isWhitespace)
        #expect(ids.count == 36)
        for id in ids {
            let song = try StandardMIDIFile(contentsOf: SharedData.url("pop909/\(id).mid"))
            let notes = song.notes
            let rebuilt = StandardMIDIFile(format: 1, ticksPerBeat: song.ticksPerBeat, tracks: song.tracks.indices.map { index in
                MIDITrack(notes: notes.filter { $0.track == index },
                          otherEvents: song.tracks[index].events.filter {
                              switch $0.message {
                              case .noteOn, .noteOff: false
                              default: true
                              }
                          })
            })
            #expect(rebuilt.notes == notes, "\(id)")
            #expect(rebuilt.tempoMap == song.tempoMap, "\(id)")
        }
    }
}
