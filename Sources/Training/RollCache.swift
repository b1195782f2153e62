import Foundation
import MIDIFile
import PianoRoll

/// A content-addressed on-disk cache of decoded piano rolls, so each MIDI file is parsed and
/// quantised once.
///
/// An entry's name is the FNV-1a hash of the MIDI file's bytes plus the conversion settings
/// (`<hash>-b<bins>-d<drums>-p<pedal>.roll`), so an edited file or other settings get a new
/// entry, and a renamed or copied file reuses its old one. Entries are in the versioned
/// format of ``CacheEntry`` and are written atomically. A corrupted entry (checksum, magic,
/// sizes) is rebuilt with a warning; an entry of another format version is rebuilt silently.
///
/// The default folder is `$FRACTALMIDI_CACHE` when set, else `.cache/fractalmidi` in the current
/// directory (see ``defaultDirectory(environment:currentDirectory:)``).
public final class RollCache: @unchecked Sendable {
    // Safe: the counters are read and written only while `lock` is held; everything else is
    // immutable.
    private let lock = NSLock()
    private var counts = Statistics()
    private var writeFailed = false

    /// The folder the entries live in.
    public let directory: URL
    /// How MIDI files are converted to rolls.
    public let options: PianoRoll.ConversionOptions
    private let warn: @Sendable (String) -> Void

    /// What the cache did since it was created.
    public struct Statistics: Sendable, Hashable {
        /// Rolls served from a valid entry.
        public var hits = 0
        /// MIDI files decoded (a miss, or a rebuild).
        public var decodes = 0
        /// Entries found but not trusted (corrupted or stale) and rebuilt.
        public var rebuilds = 0
    }

    /// A cache in `directory` for rolls converted with `options`. `warn` receives one line per
    /// corrupted entry (default: standard error).
    public init(
        directory: URL = RollCache.defaultDirectory(),
        options: PianoRoll.ConversionOptions = PianoRoll.ConversionOptions(),
        warn: @escaping @Sendable (String) -> Void = { ProgressReporter.writeToStandardError("warning: \($0)\n") }
    ) {
        self.directory = directory.standardizedFileURL
        self.options = options
        self.warn = warn
    }

    /// The environment variable that names the cache folder.
    public static let environmentVariable = "FRACTALMIDI_CACHE"

    /// `$FRACTALMIDI_CACHE` when set and not empty, else `.cache/fractalmidi` under
    /// `currentDirectory`.
    public static func defaultDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    ) -> URL {
        if let path = environment[environmentVariable], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return currentDirectory.appendingPathComponent(".cache/fractalmidi", isDirectory: true)
    }

    /// The counts of hits, decodes and rebuilds so far.
    public var statistics: Statistics {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    /// The entry file for MIDI bytes hashing to `contentHash`.
    public func entryURL(contentHash: UInt64) -> URL {
        let hex = String(contentHash, radix: 16)
        let name = String(repeating: "0", count: 16 - hex.count) + hex
            + "-b\(options.velocityBins)-d\(options.includeDrums ? 1 : 0)-p\(options.applySustainPedal ? 1 : 0)-a\(options.alignsEighthNoteGrid ? 1 : 0).roll"
        return directory.appendingPathComponent(name)
    }

    /// The roll of the MIDI file `file`: from its cache entry when that is valid, else decoded
    /// and stored. Throws when the file cannot be read or converted (the message names it). When
    /// the entry cannot be written, the roll is still returned and the first such failure is
    /// warned about.
    public func roll(for file: URL) throws(DataError) -> PianoRoll {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw DataError.io(path: file.path, reason: "cannot read the file; check that it exists and is readable")
        }
        let hash = ContentHash.of(data)
        let entry = entryURL(contentHash: hash)
        if let stored = try? Data(contentsOf: entry) {
            switch CacheEntry.decode(stored, contentHash: hash, options: options) {
            case .success(let roll):
                count { $0.hits += 1 }
                return roll
            case .failure(let problem):
                count { $0.rebuilds += 1 }
                if problem.isCorruption {
                    warn("cache entry \(entry.path) for \(file.path) is \(problem); rebuilding it")
                }
            }
        }
        let roll: PianoRoll
        do {
            roll = try PianoRoll(StandardMIDIFile(data: data, fileName: file.path), options: options)
        } catch let error as MIDIFileError {
            throw DataError.unreadableMIDI("\(error)")
        } catch {
            throw DataError.unreadableMIDI("\(file.path): \(error)")
        }
        count { $0.decodes += 1 }
        do {
            try DataFile.write(CacheEntry.encode(roll, contentHash: hash, options: options), to: entry)
        } catch {
            lock.lock()
            let first = !writeFailed
            writeFailed = true
            lock.unlock()
            if first { warn("\(error); the roll cache is not being saved, so files will be decoded again next time") }
        }
        return roll
    }

    /// The rolls of every item of `dataset`, decoded in parallel over the cores where the
    /// cache misses. Unreadable files are skipped, each with one warning line, and a count line
    /// at the end; throws when none is left. `progress` (when given) advances once per file
    /// and is finished here.
    public func load(_ dataset: MusicDataset, progress: ProgressReporter? = nil) throws(DataError) -> DecodedDataset {
        let items = dataset.items
        var results = [Result<PianoRoll, DataError>?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = SendableSlots(base: slots.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: items.count) { index in
                let result = Result { () throws(DataError) -> PianoRoll in try roll(for: items[index].file) }
                slots.store(result, at: index)
                progress?.advance()
            }
        }
        progress?.finish()
        var songs: [DecodedSong] = []
        var skipped: [SkippedFile] = []
        for (item, result) in zip(items, results) {
            switch result! {
            case .success(let roll):
                songs.append(DecodedSong(item: item, roll: roll, classIndex: dataset.classIndex(of: item)))
            case .failure(let error):
                skipped.append(SkippedFile(item: item, reason: error.description))
                warn("\(error); skipped")
            }
        }
        if !skipped.isEmpty {
            warn("skipped \(skipped.count) unreadable file(s) of \(items.count) in \(dataset.origin)")
        }
        guard !songs.isEmpty else { throw DataError.emptyDataset(source: dataset.origin, skipped: skipped.count) }
        return DecodedDataset(songs: songs, styles: dataset.styles, skipped: skipped)
    }

    private func count(_ update: (inout Statistics) -> Void) {
        lock.lock()
        update(&counts)
        lock.unlock()
    }
}

/// Result slots that parallel workers fill, each at its own index.
private struct SendableSlots: @unchecked Sendable {
    // Safe: every worker writes a different index, and the array outlives the workers.
    let base: UnsafeMutablePointer<Result<PianoRoll, DataError>?>
    func store(_ value: Result<PianoRoll, DataError>, at index: Int) { base[index] = value }
}

/// One song of a decoded data set.
public struct DecodedSong: Sendable, Hashable {
    /// Where the song came from.
    public var item: DataItem
    /// Its piano roll.
    public var roll: PianoRoll
    /// The class index of its style (``MusicDataset/unlabeledClass`` when unlabeled).
    public var classIndex: Int32

    /// A song.
    public init(item: DataItem, roll: PianoRoll, classIndex: Int32) {
        self.item = item
        self.roll = roll
        self.classIndex = classIndex
    }
}

/// A file that could not be decoded and was left out.
public struct SkippedFile: Sendable, Hashable {
    /// The file.
    public var item: DataItem
    /// Why, as one line.
    public var reason: String

    /// A skipped file.
    public init(item: DataItem, reason: String) {
        self.item = item
        self.reason = reason
    }
}

/// A data set with every readable song decoded into a roll.
public struct DecodedDataset: Sendable, Hashable {
    /// The songs, in the data set's order, unreadable ones left out.
    public var songs: [DecodedSong]
    /// The style labels, sorted; class `i` is `styles[i]`.
    public var styles: [String]
    /// The files left out.
    public var skipped: [SkippedFile]

    /// A decoded data set.
    public init(songs: [DecodedSong], styles: [String], skipped: [SkippedFile]) {
        self.songs = songs
        self.styles = styles
        self.skipped = skipped
    }
}
