import Foundation
import PianoRoll
import TestSupport
import Testing
import Training

@Suite struct RollCacheTests {
    /// A folder with `count` different small songs and a cache folder beside them.
    private func corpus(_ count: Int) throws -> (folder: TemporaryFolder, dataset: MusicDataset, cache: URL) {
        let folder = try TemporaryFolder()
        for index in 0..<count {
            try writeSong(try scaleRoll(lowest: 40 + index, beats: 8 + index), named: "songs/\(index).mid", in: folder.url)
        }
        let dataset = try MusicDataset(path: folder.url.appendingPathComponent("songs").path)
        return (folder, dataset, folder.url.appendingPathComponent("cache"))
    }

    @Test func secondLoadIsServedFromTheCache() throws {
        let (folder, dataset, cacheURL) = try corpus(5)
        defer { folder.remove() }
        let cold = RollCache(directory: cacheURL)
        let first = try cold.load(dataset)
        #expect(cold.statistics.decodes == 5 && cold.statistics.hits == 0)
        let warm = RollCache(directory: cacheURL)
        let second = try warm.load(dataset)
        #expect(warm.statistics.decodes == 0 && warm.statistics.hits == 5 && warm.statistics.rebuilds == 0)
        #expect(first == second)
        for (song, item) in zip(second.songs, dataset.items) {
            #expect(song.item == item)
            #expect(song.roll == (try PianoRoll(contentsOf: item.file)))
        }
    }

    @Test func otherConversionSettingsGetTheirOwnEntries() throws {
        let (folder, dataset, cacheURL) = try corpus(2)
        defer { folder.remove() }
        _ = try RollCache(directory: cacheURL).load(dataset)
        let coarse = RollCache(directory: cacheURL, options: PianoRoll.ConversionOptions(velocityBins: 8))
        let rolls = try coarse.load(dataset)
        #expect(coarse.statistics.decodes == 2)
        #expect(rolls.songs.allSatisfy { $0.roll.velocityBins == 8 })
    }

    @Test func changedFileIsDecodedAgain() throws {
        let (folder, dataset, cacheURL) = try corpus(2)
        defer { folder.remove() }
        _ = try RollCache(directory: cacheURL).load(dataset)
        let changed = try scaleRoll(lowest: 70, beats: 5)
        try changed.writeMIDI(to: dataset.items[0].file)
        let cache = RollCache(directory: cacheURL)
        let loaded = try cache.load(dataset)
        #expect(cache.statistics.decodes == 1 && cache.statistics.hits == 1)
        #expect(loaded.songs[0].roll.codes == (try PianoRoll(contentsOf: dataset.items[0].file)).codes)
        #expect(loaded.songs[0].roll.activePitchRange?.lowerBound == 70)
    }

    @Test func corruptedEntryIsRebuiltWithAWarning() throws {
        let (folder, dataset, cacheURL) = try corpus(1)
        defer { folder.remove() }
        let original = try RollCache(directory: cacheURL).load(dataset)
        let entry = try #require(try FileManager.default.contentsOfDirectory(at: cacheURL, includingPropertiesForKeys: nil).first)
        var bytes = [UInt8](try Data(contentsOf: entry))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: entry)

        let log = MessageLog()
        let cache = RollCache(directory: cacheURL, warn: log.record)
        let rebuilt = try cache.load(dataset)
        #expect(rebuilt == original)
        #expect(cache.statistics.rebuilds == 1 && cache.statistics.decodes == 1)
        #expect(log.messages == ["cache entry \(entry.path) for \(dataset.items[0].file.path) is corrupted (checksum mismatch); rebuilding it"])
        let again = RollCache(directory: cacheURL)
        _ = try again.load(dataset)
        #expect(again.statistics.hits == 1)
    }

    @Test func truncatedEntryIsRebuilt() throws {
        let (folder, dataset, cacheURL) = try corpus(1)
        defer { folder.remove() }
        _ = try RollCache(directory: cacheURL).load(dataset)
        let entry = try #require(try FileManager.default.contentsOfDirectory(at: cacheURL, includingPropertiesForKeys: nil).first)
        try Data([UInt8](try Data(contentsOf: entry)).prefix(20)).write(to: entry)
        let log = MessageLog()
        let cache = RollCache(directory: cacheURL, warn: log.record)
        _ = try cache.load(dataset)
        #expect(cache.statistics.rebuilds == 1)
        #expect(log.messages.count == 1 && log.messages[0].contains("not a cache entry"))
    }

    @Test func staleVersionIsRebuiltSilently() throws {
        let (folder, dataset, cacheURL) = try corpus(1)
        defer { folder.remove() }
        _ = try RollCache(directory: cacheURL).load(dataset)
        let entry = try #require(try FileManager.default.contentsOfDirectory(at: cacheURL, includingPropertiesForKeys: nil).first)
        var bytes = [UInt8](try Data(contentsOf: entry))
        bytes[4] = UInt8(CacheEntry.formatVersion + 1)
        let checksum = CacheEntry.checksum(bytes[..<(bytes.count - 8)])
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange((bytes.count - 8)..., with: $0) }
        try Data(bytes).write(to: entry)
        #expect(CacheEntry.decode(Data(bytes), contentHash: ContentHash.of(try Data(contentsOf: dataset.items[0].file)),
                                  options: PianoRoll.ConversionOptions()) == .failure(.staleVersion(CacheEntry.formatVersion + 1)))

        let log = MessageLog()
        let cache = RollCache(directory: cacheURL, warn: log.record)
        _ = try cache.load(dataset)
        #expect(cache.statistics.rebuilds == 1 && cache.statistics.decodes == 1)
        #expect(log.messages.isEmpty)
        #expect([UInt8](try Data(contentsOf: entry))[4] == UInt8(CacheEntry.formatVersion))
    }

    @Test func entryRoundTripsTempoAndMeter() throws {
        var roll = try scaleRoll(beats: 12)
        roll.tempoMap = [PianoRoll.TempoChange(step: 0, beatsPerMinute: 90), PianoRoll.TempoChange(step: 16, beatsPerMinute: 140)]
        roll.timeSignatures = [PianoRoll.TimeSignature(step: 0, numerator: 3, denominator: 4),
                               PianoRoll.TimeSignature(step: 24, numerator: 6, denominator: 8)]
        let options = PianoRoll.ConversionOptions(applySustainPedal: false)
        let data = CacheEntry.encode(roll, contentHash: 99, options: options)
        #expect(data.count < 128 * roll.steps / 10)
        #expect(CacheEntry.decode(data, contentHash: 99, options: options) == .success(roll))
        #expect(CacheEntry.decode(data, contentHash: 98, options: options) == .failure(.settingsMismatch))
        #expect(CacheEntry.decode(data, contentHash: 99, options: PianoRoll.ConversionOptions()) == .failure(.settingsMismatch))
        let unaligned = PianoRoll.ConversionOptions(applySustainPedal: false, alignsEighthNoteGrid: false)
        #expect(CacheEntry.decode(data, contentHash: 99, options: unaligned) == .failure(.settingsMismatch))
    }

    @Test func entriesRoundTripAnyCells() throws {
        var random = DataRandom(seed: 11)
        let options = PianoRoll.ConversionOptions(velocityBins: 127)
        for steps in [0, 1, 3, 200, 20_000] {
            // Runs of every length class (short, over 127, over 16 383), with any valid code.
            var codes = [UInt8]()
            while codes.count < 128 * steps {
                let code = UInt8(random.int(below: 129))
                let run = [1, 2, 130, 17_000][random.int(below: 4)]
                codes += [UInt8](repeating: code, count: min(run, 128 * steps - codes.count))
            }
            let roll = try PianoRoll(steps: steps, velocityBins: 127, codes: codes)
            let data = CacheEntry.encode(roll, contentHash: 1, options: options)
            #expect(CacheEntry.decode(data, contentHash: 1, options: options) == .success(roll))
        }
    }

    @Test func damagedCellsWithAValidChecksumAreRejected() throws {
        let roll = try scaleRoll()
        let options = PianoRoll.ConversionOptions()
        var bytes = [UInt8](CacheEntry.encode(roll, contentHash: 1, options: options))
        // Turn the last cell run's length byte into a continuation byte, then fix the checksum.
        bytes[bytes.count - 9] |= 0x80
        let checksum = CacheEntry.checksum(bytes[..<(bytes.count - 8)])
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange((bytes.count - 8)..., with: $0) }
        #expect(CacheEntry.decode(Data(bytes), contentHash: 1, options: options) == .failure(.sizeMismatch))
    }

    @Test func unreadableFilesAreSkippedWithOneWarningEachAndACount() throws {
        let (folder, _, cacheURL) = try corpus(2)
        defer { folder.remove() }
        let songs = folder.url.appendingPathComponent("songs")
        let broken = songs.appendingPathComponent("broken.mid")
        try Data("not a MIDI file at all".utf8).write(to: broken)
        let dataset = try MusicDataset(path: songs.path)
        let log = MessageLog()
        let loaded = try RollCache(directory: cacheURL, warn: log.record).load(dataset)
        #expect(loaded.songs.count == 2)
        #expect(loaded.skipped.map(\.item.file) == [broken.standardizedFileURL])
        #expect(log.messages.count == 2)
        #expect(log.messages[0].hasPrefix(broken.standardizedFileURL.path + ": ") && log.messages[0].hasSuffix("; skipped"))
        #expect(log.messages[1] == "skipped 1 unreadable file(s) of 3 in \(songs.standardizedFileURL.path)")
    }

    @Test func onlyUnreadableFilesIsAnEmptyDatasetError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for name in ["a.mid", "b.mid"] {
            try Data("MThd".utf8).write(to: folder.url.appendingPathComponent(name))
        }
        let dataset = try MusicDataset(path: folder.url.path)
        let error = #expect(throws: DataError.self) {
            try RollCache(directory: folder.url.appendingPathComponent("cache"), warn: { _ in }).load(dataset)
        }
        #expect(error?.description == "\(folder.url.standardizedFileURL.path): no music to train on (all 2 files were unreadable); pass a folder or list with readable .mid files")
    }

    @Test func unwritableCacheWarnsOnceAndStillLoads() throws {
        let (folder, dataset, _) = try corpus(3)
        defer { folder.remove() }
        // A plain file where the cache folder should be: no entry can be written under it.
        let blocked = folder.url.appendingPathComponent("blocked")
        try Data("x".utf8).write(to: blocked)
        let log = MessageLog()
        let cache = RollCache(directory: blocked.appendingPathComponent("cache"), warn: log.record)
        let loaded = try cache.load(dataset)
        #expect(loaded.songs.count == 3 && loaded.skipped.isEmpty)
        #expect(log.messages.count == 1)
        #expect(log.messages.first?.hasSuffix("; the roll cache is not being saved, so files will be decoded again next time") == true)
    }

    @Test func defaultFolderIsTheEnvironmentVariableOrDotCache() {
        let here = URL(fileURLWithPath: "/work/project", isDirectory: true)
        #expect(RollCache.defaultDirectory(environment: [:], currentDirectory: here).path == "/work/project/.cache/fractalmidi")
        #expect(RollCache.defaultDirectory(environment: ["FRACTALMIDI_CACHE": "/tmp/rolls"], currentDirectory: here).path == "/tmp/rolls")
        #expect(RollCache.defaultDirectory(environment: ["FRACTALMIDI_CACHE": ""], currentDirectory: here).path == "/work/project/.cache/fractalmidi")
    }

    @Test func contentHashIsFNV1a() {
        // Published FNV-1a 64 test vectors.
        #expect(ContentHash.of("") == 0xcbf2_9ce4_8422_2325)
        #expect(ContentHash.of("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(ContentHash.of("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func pop909MiniCorpusLoads() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let dataset = try MusicDataset(path: SharedData.url("pop909/ci_mini.txt").path)
        let cache = RollCache(directory: folder.url)
        let loaded = try cache.load(dataset)
        #expect(loaded.songs.count == 36 && loaded.skipped.isEmpty)
        #expect(loaded.songs.allSatisfy { $0.roll.steps > 256 && $0.roll.activePitchRange != nil })
        var sampler = try ExampleSampler(dataset: loaded, cropLength: 256, pitchShifts: -12...12, seed: 42)
        for _ in 0..<10 {
            let batch = sampler.nextBatch(size: 8)
            #expect(batch.codes.count == 8 * 128 * 256)
            #expect(batch.codes.contains { $0 >= PianoRoll.Cell.firstOnsetCode })
            for (index, origin) in batch.origins.enumerated() {
                #expect(batch.roll(at: index).codes
                    == Batch.crop(of: loaded.songs[origin.song].roll, origin: origin, steps: 256).codes)
            }
        }
    }
}
