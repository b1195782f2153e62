import ArgumentParser
import Evaluation
import Foundation
import PianoRoll
import Training

/// `fractalmidi data`: prepares training music (splits into file lists, pre-builds the cache).
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Prepare music: split it into training and validation lists, build the roll cache, cut reference excerpts.",
        subcommands: [DataSplitCommand.self, DataCacheCommand.self, DataCropsCommand.self]
    )
}

/// `fractalmidi data split`: deterministic training / validation file lists, whole songs only.
struct DataSplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split MIDI files into train.txt and valid.txt lists.",
        discussion: """
            Each file is ranked by a hash of the seed and its path relative to the folder that \
            is split (or the list's folder); the lowest-ranked share goes to valid.txt. The same seed and the same \
            set of files always give the same lists, whatever order the files are found in. \
            Paths in the lists are relative to the output folder; style labels (from a labelled \
            list) follow a tab.
            """
    )

    @Argument(help: "A folder of MIDI files (searched recursively) or a file list.")
    var source: String

    @Option(help: "The validation share: a percentage (5%) or a fraction (0.05).")
    var valid = "5%"

    @Option(help: "The seed of the split.")
    var seed: UInt64 = 42

    @Option(name: [.short, .customLong("output")], help: "The folder to write train.txt and valid.txt into.")
    var output = "."

    func run() throws {
        let share = try DataSplit.parseShare(valid)
        let input = try DataSource(path: source)
        let dataset = try MusicDataset(sources: [input])
        let root = input.kind == .folder ? input.url : input.url.deletingLastPathComponent()
        let split = try DataSplit(items: dataset.items, validShare: share, seed: seed, root: root, origin: source)
        let lists = try split.write(to: URL(fileURLWithPath: output, isDirectory: true))
        print("\(lists.train.path): \(split.train.count) training files")
        print("\(lists.valid.path): \(split.valid.count) validation files")
    }
}

/// `fractalmidi data cache`: decodes MIDI files into the on-disk roll cache ahead of training.
struct DataCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Decode MIDI files into the roll cache (so training starts at once).",
        discussion: """
            The cache folder is --cache, else $FRACTALMIDI_CACHE, else .cache/fractalmidi in the \
            current directory. Entries are keyed by each file's contents and the conversion \
            settings; files already cached are not decoded again.
            """
    )

    @Argument(help: "Folders of MIDI files, file lists or MIDI files.")
    var sources: [String]

    @Option(help: "The cache folder.")
    var cache: String?

    @OptionGroup var conversion: ConversionArguments

    func run() throws {
        let dataset = try MusicDataset(sources: sources.map { path throws(DataError) in try DataSource(path: path) })
        let folder = cache.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? RollCache.defaultDirectory()
        let rollCache = RollCache(directory: folder, options: conversion.options)
        let progress = ProgressReporter(title: "cache", total: dataset.items.count)
        let decoded = try rollCache.load(dataset, progress: progress)
        let counts = rollCache.statistics
        let steps = decoded.songs.reduce(0) { $0 + $1.roll.steps }
        print("\(folder.path): \(decoded.songs.count) songs (\(steps) steps) cached; "
            + "\(counts.hits) already cached, \(counts.decodes) decoded, \(counts.rebuilds) rebuilt, "
            + "\(decoded.skipped.count) skipped")
        if !decoded.songs.isEmpty {
            let baseline = try CellDistribution(rolls: decoded.songs.map(\.roll)).bitsPerCell
            print(String(format: "cell entropy: %.4f bits per cell (the baseline a model's bits per cell must beat)", baseline))
        }
    }
}

/// `fractalmidi data crops`: fixed excerpts of real music written as MIDI files — the reference
/// set that generated pieces of the same length are compared with (`eval --reference`).
struct DataCropsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crops",
        abstract: "Write fixed excerpts of real music as MIDI files (a reference set for eval).",
        discussion: """
            Cuts up to four evenly spaced crops of --bars bars (16 steps each) from every song, \
            as the trainer's validation does, keeps --count of them spread evenly over all the \
            crops, and writes each as NAME-cropK.mid with the song's tempo, K its place among the \
            song's crops (1 begins at the song's start). The same music always gives the same \
            excerpts. Songs whose music (to the end of the last note) is shorter than a crop are \
            left out.
            """
    )

    @Argument(help: "A folder of MIDI files, a file list or a MIDI file.")
    var source: String

    @Option(help: "The length of an excerpt in bars of 16 steps.")
    var bars = 8

    @Option(help: "How many excerpts to write.")
    var count = 32

    @Option(name: [.short, .customLong("output")], help: "The folder to write the excerpts into (created if missing).")
    var output: String

    @Option(help: "The cache folder (default: $FRACTALMIDI_CACHE, else .cache/fractalmidi).")
    var cache: String?

    @OptionGroup var conversion: ConversionArguments

    func validate() throws {
        guard (1...256).contains(bars) else { throw ValidationError("--bars \(bars) is outside 1…256; use e.g. 8") }
        guard count >= 1 else { throw ValidationError("--count \(count) must be at least 1") }
    }

    func run() throws {
        let steps = bars * 16
        let dataset = try MusicDataset(path: source)
        let folder = cache.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? RollCache.defaultDirectory()
        let decoded = try RollCache(directory: folder, options: conversion.options)
            .load(dataset, progress: ProgressReporter(title: "music", total: dataset.items.count))
        let excerpts = try RealExcerpts(dataset: decoded, steps: steps, count: count, source: source, fix: "ask for fewer --bars")
        let destination = URL(fileURLWithPath: output, isDirectory: true)
        try excerpts.write(into: destination)
        print("\(destination.path): \(excerpts.excerpts.count) excerpts of \(bars) bars from \(excerpts.songCount) songs")
    }
}
