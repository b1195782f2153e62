import ArgumentParser
import Foundation
import MIDIFile
import PianoRoll

/// `fractalmidi info FILE`: what a MIDI file holds, and what its piano roll looks like.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a MIDI file's format, tracks, tempo map, notes and piano-roll statistics.",
        discussion: """
            With --json, prints one object with format, ticks_per_beat, n_tracks, tempos \
            ([tick, microseconds per beat]), time_signatures ([tick, numerator, denominator]) and \
            notes ([track, channel, pitch, on_tick, off_tick, velocity], sorted by on_tick, track, \
            channel, pitch), plus duration, grid offset, 8th-note alignment (odd_step_onset_share, \
            delay_steps) and roll statistics.
            """
    )

    @Argument(help: "The MIDI file to describe.", completion: .file(extensions: ["mid", "midi"]))
    var file: String

    @Flag(help: "Print a JSON object instead of a table.")
    var json = false

    @OptionGroup var conversion: ConversionArguments

    func run() throws {
        let url = URL(fileURLWithPath: file)
        let midi = try StandardMIDIFile(contentsOf: url)
        let options = conversion.options
        let roll = try PianoRoll(midi, options: options)
        let report = FileReport(name: url.lastPathComponent, midi: midi, roll: roll,
                                gridOffset: PianoRoll.gridOffset(of: midi, options: options),
                                alignment: PianoRoll.eighthNoteAlignment(of: midi, options: options))
        print(json ? try report.json() : report.table())
    }
}

/// The MIDI → roll conversion settings shared by the commands that read MIDI files.
struct ConversionArguments: ParsableArguments {
    @Option(help: "Number of velocity bins onsets are coded with (1…127).")
    var velocityBins = PianoRoll.VelocityBins.defaultCount

    @Flag(help: "Keep notes on the drum channel (channel 10).")
    var includeDrums = false

    @Flag(help: "Ignore the sustain pedal (CC64) instead of holding notes while it is down.")
    var ignorePedal = false

    func validate() throws {
        guard (1...127).contains(velocityBins) else {
            throw ValidationError("--velocity-bins \(velocityBins) is outside 1…127; use a value in that range, e.g. 32")
        }
    }

    /// The conversion these arguments ask for.
    var options: PianoRoll.ConversionOptions {
        PianoRoll.ConversionOptions(
            velocityBins: velocityBins, includeDrums: includeDrums, applySustainPedal: !ignorePedal)
    }
}

/// The facts `info` reports about one file, as a table or as JSON.
struct FileReport {
    var name: String
    var midi: StandardMIDIFile
    var roll: PianoRoll
    var gridOffset: PianoRoll.GridOffset
    var alignment: PianoRoll.EighthNoteAlignment

    private var notes: [MIDINote] { midi.notes }

    private var durationBeats: Double {
        Double(midi.tracks.map(\.endTick).max() ?? 0) / Double(max(midi.ticksPerBeat, 1))
    }

    private var durationSeconds: Double {
        midi.seconds(atTick: midi.tracks.map(\.endTick).max() ?? 0)
    }

    func table() -> String {
        let notes = self.notes
        let statistics = roll.statistics
        var lines: [String] = []
        lines.append("\(name)")
        lines.append("  format              \(midi.format)")
        lines.append("  ticks per beat      \(midi.ticksPerBeat)")
        lines.append("  tracks              \(midi.tracks.count)")
        for (index, track) in midi.tracks.enumerated() {
            let trackNotes = notes.filter { $0.track == index }
            let channels = Set(trackNotes.map { $0.channel + 1 }).sorted()
            let channelText = channels.isEmpty ? "-" : channels.map(String.init).joined(separator: ",")
            let trackName = track.name.map { "\"\($0)\"" } ?? "(unnamed)"
            lines.append("    \(pad(String(index), 3)) \(pad(trackName, 24)) channel \(pad(channelText, 8)) \(trackNotes.count) notes")
        }
        let tempos = midi.tempoMap
        if tempos.isEmpty {
            lines.append("  tempo               none (120 BPM assumed)")
        } else {
            let shown = tempos.prefix(4).map { "\(formatBPM($0.microsecondsPerBeat)) BPM @ \($0.tick)" }
            let more = tempos.count > 4 ? ", … (\(tempos.count) changes)" : ""
            lines.append("  tempo               \(shown.joined(separator: ", "))\(more)")
        }
        let signatures = midi.timeSignatures
        let signatureText = signatures.isEmpty
            ? "none (4/4 assumed)"
            : signatures.prefix(4).map { "\($0.numerator)/\($0.denominator) @ \($0.tick)" }.joined(separator: ", ")
                + (signatures.count > 4 ? ", … (\(signatures.count) changes)" : "")
        lines.append("  time signatures     \(signatureText)")
        lines.append("  notes               \(notes.count)")
        lines.append("  duration            \(format(durationBeats, 2)) beats, \(format(durationSeconds, 2)) s")
        lines.append("  grid offset         \(gridOffset.ticks) ticks (\(format(gridOffset.steps, 3)) step); "
            + "\(format(100 * gridOffset.onGridShare, 1))% of onsets within \(PianoRoll.GridOffset.onGridTolerance) step")
        lines.append("  8th-note grid       \(format(100 * alignment.oddShare, 1))% of onsets on odd steps; "
            + (alignment.delaySteps == 0 ? "kept in place" : "music moved \(alignment.delaySteps) step\(alignment.delaySteps == 1 ? "" : "s") later"))
        lines.append("  piano roll          \(statistics.steps) steps × 128 pitches, \(statistics.noteCount) notes, "
            + "\(roll.velocityBins) velocity bins")
        if let range = statistics.pitchRange {
            lines.append("  pitch range         \(range.lowerBound)–\(range.upperBound)")
        }
        lines.append("  polyphony           mean \(format(statistics.meanPolyphony, 2)), max \(statistics.maximumPolyphony)")
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let statistics = roll.statistics
        var object: [String: Any] = [
            "file": name,
            "format": midi.format,
            "ticks_per_beat": midi.ticksPerBeat,
            "n_tracks": midi.tracks.count,
            "track_names": midi.tracks.map { $0.name ?? "" },
            "tempos": midi.tempoMap.map { [$0.tick, $0.microsecondsPerBeat] },
            "time_signatures": midi.timeSignatures.map { [$0.tick, $0.numerator, $0.denominator] },
            "notes": notes.map { [$0.track, $0.channel, $0.pitch, $0.onTick, $0.offTick, $0.velocity] },
            "duration_beats": durationBeats,
            "duration_seconds": durationSeconds,
            "grid_offset_ticks": gridOffset.ticks,
            "on_grid_share": gridOffset.onGridShare,
            "odd_step_onset_share": alignment.oddShare,
            "delay_steps": alignment.delaySteps,
        ]
        var rollObject: [String: Any] = [
            "steps": statistics.steps,
            "notes": statistics.noteCount,
            "velocity_bins": roll.velocityBins,
            "mean_polyphony": statistics.meanPolyphony,
            "max_polyphony": statistics.maximumPolyphony,
        ]
        if let range = statistics.pitchRange {
            rollObject["pitch_range"] = [range.lowerBound, range.upperBound]
        }
        object["roll"] = rollObject
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func format(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

func formatBPM(_ microsecondsPerBeat: Int) -> String {
    format(60_000_000 / Double(max(microsecondsPerBeat, 1)), 2)
}
