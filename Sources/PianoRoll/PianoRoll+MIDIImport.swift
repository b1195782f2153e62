import Foundation
import MIDIFile

extension PianoRoll {
    /// The roll of a MIDI file: all kept tracks and channels merged into one piano part on the
    /// file's own 16th-note grid (see ``GridOffset``), with its tempo map and time signatures.
    ///
    /// The rules, applied in this order, are written out in docs/ROLL-RULES.md:
    /// 1. Notes are paired as ``StandardMIDIFile/notes`` pairs them (first in, first out per
    ///    track, channel and pitch); notes on the drum channel are dropped unless
    ///    ``ConversionOptions/includeDrums``.
    /// 2. With ``ConversionOptions/applySustainPedal``, a note released while its channel's
    ///    pedal is down (CC64 ≥ 64, pressed at or before the release) sounds until the pedal
    ///    comes up (or until the file ends, if it never does); a pedal held down for longer than
    ///    ``ConversionOptions/longestPedalHoldBeats`` holds nothing.
    /// 3. The grid offset is estimated from the onsets; onsets and ends are rounded to the
    ///    nearest step of the shifted grid (halves up, never before step 0). Music whose
    ///    8th-note grid lies on the odd steps moves later by one or three steps (see
    ///    ``EighthNoteAlignment``; unless ``ConversionOptions/alignsEighthNoteGrid`` is off);
    ///    the tempo map and time signatures stay where they are.
    /// 4. Every note lasts at least one step.
    /// 5. Notes of one pitch struck at the same step become one note: the loudest velocity and
    ///    the latest end.
    /// 6. A note ends no later than the next onset of its pitch.
    /// 7. The roll lasts until the later of the last note's end and the latest track end
    ///    (``MIDITrack/endTick``), rounded like a note end; beyond ``maximumSteps`` it throws.
    /// 8. Tempo and time-signature changes are rounded to steps like onsets.
    public init(_ file: StandardMIDIFile, options: ConversionOptions = ConversionOptions()) throws(PianoRollError) {
        try self.init(file, options: options, fileName: nil)
    }

    private init(_ file: StandardMIDIFile, options: ConversionOptions, fileName: String?) throws(PianoRollError) {
        let binning = try VelocityBins(count: options.velocityBins)
        let ticksPerBeat = max(file.ticksPerBeat, 1)
        var notes = Self.keptNotes(of: file, options: options)
        let endTick = file.tracks.map(\.endTick).max() ?? 0
        if options.applySustainPedal {
            Self.applySustainPedal(to: &notes, in: file, endTick: endTick, ticksPerBeat: ticksPerBeat)
        }
        let grid = GridOffset.estimate(onsetTicks: notes.lazy.map(\.onTick), ticksPerBeat: ticksPerBeat)

        let roundedOnsets = notes.map { grid.nearestStep(toTick: $0.onTick) }
        let delay = options.alignsEighthNoteGrid ? EighthNoteAlignment(onsetSteps: roundedOnsets).delaySteps : 0
        var steps = grid.nearestStep(toTick: endTick) + delay
        var gridNotes: [GridNote] = []
        gridNotes.reserveCapacity(notes.count)
        for (note, roundedOnset) in zip(notes, roundedOnsets) {
            let onStep = roundedOnset + delay
            let endStep = max(grid.nearestStep(toTick: note.offTick) + delay, onStep + 1)
            steps = max(steps, endStep)
            gridNotes.append(GridNote(pitch: note.pitch, onStep: onStep, endStep: endStep, velocity: note.velocity))
        }
        guard steps <= Self.maximumSteps else {
            throw PianoRollError.tooLong(fileName: fileName, steps: steps)
        }
        let codes = Self.codes(for: &gridNotes, steps: steps, binning: binning)
        self.init(
            unchecked: steps, velocityBins: binning.count, codes: codes,
            tempoMap: file.tempoMap.map {
                TempoChange(step: grid.nearestStep(toTick: $0.tick), microsecondsPerBeat: $0.microsecondsPerBeat)
            },
            timeSignatures: file.timeSignatures.map {
                TimeSignature(step: grid.nearestStep(toTick: $0.tick), numerator: $0.numerator, denominator: $0.denominator)
            })
    }

    /// The roll of the MIDI file at `url` (see ``init(_:options:)``).
    public init(contentsOf url: URL, options: ConversionOptions = ConversionOptions()) throws(PianoRollError) {
        let file: StandardMIDIFile
        do {
            file = try StandardMIDIFile(contentsOf: url)
        } catch {
            throw PianoRollError.midiFile(error)
        }
        try self.init(file, options: options, fileName: url.lastPathComponent)
    }

    /// The 16th-note grid that converting `file` with `options` rounds onsets to: its offset in
    /// ticks and the share of onsets that lie on it.
    public static func gridOffset(of file: StandardMIDIFile, options: ConversionOptions = ConversionOptions()) -> GridOffset {
        GridOffset.estimate(onsetTicks: keptNotes(of: file, options: options).lazy.map(\.onTick),
                            ticksPerBeat: max(file.ticksPerBeat, 1))
    }

    /// How converting `file` with `options` moves its music onto the even steps (see
    /// ``EighthNoteAlignment``).
    public static func eighthNoteAlignment(of file: StandardMIDIFile, options: ConversionOptions = ConversionOptions()) -> EighthNoteAlignment {
        let grid = gridOffset(of: file, options: options)
        return EighthNoteAlignment(onsetSteps: keptNotes(of: file, options: options).lazy.map { grid.nearestStep(toTick: $0.onTick) })
    }

    private static func keptNotes(of file: StandardMIDIFile, options: ConversionOptions) -> [MIDINote] {
        let notes = file.notes
        return options.includeDrums ? notes : notes.filter { $0.channel != ConversionOptions.drumChannel }
    }

    /// Moves the release of every note let go while its channel's pedal is down to the moment
    /// the pedal comes up (`endTick` when it never does), unless the pedal stays down for longer
    /// than ``ConversionOptions/longestPedalHoldBeats``.
    private static func applySustainPedal(to notes: inout [MIDINote], in file: StandardMIDIFile, endTick: Int, ticksPerBeat: Int) {
        var pedalEvents: [(tick: Int, order: Int, channel: Int, isDown: Bool)] = []
        for track in file.tracks {
            for event in track.events {
                if case .controlChange(let channel, ConversionOptions.sustainPedalController, let value) = event.message {
                    pedalEvents.append((event.tick, pedalEvents.count, channel, value >= 64))
                }
            }
        }
        guard !pedalEvents.isEmpty else { return }
        pedalEvents.sort { ($0.tick, $0.order) < ($1.tick, $1.order) }
        // Per channel, the half-open tick intervals [down, up) during which the pedal holds notes.
        let longestHold = ConversionOptions.longestPedalHoldBeats * ticksPerBeat
        var held = [[Range<Int>]](repeating: [], count: 16)
        func hold(_ interval: Range<Int>, channel: Int) {
            if !interval.isEmpty && interval.count <= longestHold { held[channel].append(interval) }
        }
        var downSince = [Int?](repeating: nil, count: 16)
        for event in pedalEvents where (0..<16).contains(event.channel) {
            if event.isDown {
                if downSince[event.channel] == nil { downSince[event.channel] = event.tick }
            } else if let start = downSince[event.channel] {
                hold(start..<max(event.tick, start), channel: event.channel)
                downSince[event.channel] = nil
            }
        }
        for channel in 0..<16 {
            if let start = downSince[channel] { hold(start..<max(endTick, start), channel: channel) }
        }
        for index in notes.indices {
            let intervals = held[notes[index].channel]
            let release = notes[index].offTick
            // The last interval that starts at or before the release.
            var low = 0, high = intervals.count
            while low < high {
                let middle = (low + high) / 2
                if intervals[middle].lowerBound <= release { low = middle + 1 } else { high = middle }
            }
            if low > 0 && intervals[low - 1].contains(release) {
                notes[index].offTick = intervals[low - 1].upperBound
            }
        }
    }
}
