import Foundation
import PianoRoll
import TestSupport
import Training

/// A roll of `steps` steps holding `notes` (pitch, first step, length, velocity bin).
func makeRoll(steps: Int, notes: [(pitch: Int, step: Int, length: Int, bin: Int)]) throws -> PianoRoll {
    var roll = try PianoRoll(steps: steps)
    for note in notes {
        roll[pitch: note.pitch, step: note.step] = .onset(velocityBin: note.bin)
        for step in (note.step + 1)..<(note.step + note.length) {
            roll[pitch: note.pitch, step: step] = .sustain
        }
    }
    return roll
}

/// A small song: a scale walking up from `lowest`, one note per beat, `beats` beats long.
func scaleRoll(lowest: Int = 60, beats: Int = 16, bin: Int = 20) throws -> PianoRoll {
    try makeRoll(steps: beats * 4, notes: (0..<beats).map { (lowest + $0 % 12, $0 * 4, 3, bin) })
}

/// Writes `roll` as a MIDI file at `folder/name`, returning its URL.
@discardableResult
func writeSong(_ roll: PianoRoll, named name: String, in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try roll.writeMIDI(to: url)
    return url
}

/// Collects warning lines from several threads.
final class MessageLog: @unchecked Sendable {
    // Safe: `lines` is only touched while `lock` is held.
    private let lock = NSLock()
    private var lines: [String] = []

    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    @Sendable func record(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
}

/// A decoded data set made directly from rolls (no files), labelled `class` each.
func decodedDataset(_ rolls: [PianoRoll], classes: [Int32]? = nil) -> DecodedDataset {
    DecodedDataset(
        songs: rolls.enumerated().map { index, roll in
            DecodedSong(item: DataItem(file: URL(fileURLWithPath: "/songs/\(index).mid")), roll: roll,
                        classIndex: classes?[index] ?? MusicDataset.unlabeledClass)
        },
        styles: [], skipped: [])
}
