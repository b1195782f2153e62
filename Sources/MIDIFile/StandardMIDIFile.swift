import FileWriting
import Foundation

/// A Standard MIDI File (SMF): its format, time base and tracks of timed events.
///
/// Reads formats 0, 1 and 2 with a ticks-per-beat time base and writes them back; what it
/// writes reads back equal. The rules for pairing notes and for recovering from malformed files
/// are in docs/MIDI-RULES.md.
///
/// ```swift
/// let song = try StandardMIDIFile(contentsOf: URL(fileURLWithPath: "song.mid"))
/// for note in song.notes { print(note.pitch, song.seconds(atTick: note.onTick)) }
/// ```
public struct StandardMIDIFile: Sendable, Equatable {
    /// 0 (one multi-channel track), 1 (simultaneous tracks) or 2 (independent sequences).
    public var format: Int
    /// Ticks per beat (quarter note), 1–32767.
    public var ticksPerBeat: Int
    /// The tracks in file order.
    public var tracks: [MIDITrack]

    /// Makes a file from tracks.
    public init(format: Int, ticksPerBeat: Int, tracks: [MIDITrack]) {
        self.format = format
        self.ticksPerBeat = ticksPerBeat
        self.tracks = tracks
    }

    /// Reads a file's bytes; `fileName` names the file in errors.
    public init(data: Data, fileName: String) throws(MIDIFileError) {
        let bytes = [UInt8](data)
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(MIDIFileError) -> StandardMIDIFile in
            try MIDIReader(bytes: buffer, fileName: fileName).read()
        }
    }

    /// The largest file `init(contentsOf:)` reads (64 MiB): far above any real piece of music
    /// (a MIDI file of a whole symphony is well under a megabyte), so that a wrong path to a
    /// huge file is refused before it is read into memory.
    public static let maximumFileSize = 64 << 20

    /// Reads a file from disk; errors name it by its last path component.
    public init(contentsOf url: URL) throws(MIDIFileError) {
        let fileName = url.lastPathComponent
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw MIDIFileError(fileName: fileName, byteOffset: nil, problem: "no such file at \(url.path)",
                                fix: "check the path")
        }
        guard !isFolder.boolValue else {
            throw MIDIFileError(fileName: fileName, byteOffset: nil, problem: "\(url.path) is a folder, not a MIDI file",
                                fix: "give the path of a .mid file")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > Self.maximumFileSize {
            throw MIDIFileError(fileName: fileName, byteOffset: nil,
                                problem: "\(size) bytes is above the limit of \(Self.maximumFileSize) bytes for a MIDI file",
                                fix: "check that this is a MIDI file; the largest real ones are a few megabytes")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw MIDIFileError(fileName: fileName, byteOffset: nil,
                                problem: "cannot read \(url.path) (\(error.localizedDescription))",
                                fix: "check that the file is readable")
        }
        try self.init(data: data, fileName: fileName)
    }

    /// The file's bytes: a header with `format`, one track chunk per track, running status for
    /// channel messages, and exactly one end-of-track event closing each track. Reading them
    /// back gives an equal file for every file that was read; values out of their field's range
    /// in hand-made files are clamped (docs/MIDI-RULES.md lists the writer's rules).
    public func encoded() -> Data {
        Data(MIDIWriter.encode(self))
    }

    /// The tick of the last event of any track: the file's length in ticks.
    public var endTick: Int {
        tracks.map(\.endTick).max() ?? 0
    }

    /// Writes the file, first to a temporary file beside it that is then renamed over `url`, so
    /// a failed write never leaves a half-written file.
    public func write(to url: URL) throws(MIDIFileError) {
        do {
            try AtomicFile.write(encoded(), to: url)
        } catch {
            throw MIDIFileError(fileName: url.lastPathComponent, byteOffset: nil,
                                problem: "cannot write \(url.path) (\(String(cString: strerror(error.code))))",
                                fix: error.isDiskFull ? "free some space on the disk or write elsewhere" : "check that the folder exists and is writable")
        }
    }
}
