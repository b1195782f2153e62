import Foundation

/// One piece of training music: a MIDI file and, optionally, its style label.
public struct DataItem: Sendable, Hashable {
    /// The MIDI file.
    public var file: URL
    /// The style label, or nil for unlabeled music.
    public var style: String?

    /// An item for `file` with an optional style label.
    public init(file: URL, style: String? = nil) {
        self.file = file.standardizedFileURL
        self.style = style
    }
}

/// Where training music comes from: a folder of MIDI files (searched recursively), a file
/// list, or a single MIDI file, with an optional style label for everything it holds.
///
/// A **file list** is a text file with one MIDI file per line, relative to the list's own
/// folder (absolute paths work too), optionally followed by a tab and a style label that
/// overrides the source's label. Blank lines and lines whose first non-blank character is `#`
/// are ignored. A line without a file extension that names no existing file stands for
/// `LINE.mid` (then `LINE.midi`) beside the list, so the POP909 id lists (`020`, `060`, …) work
/// as they are.
public struct DataSource: Sendable, Hashable {
    /// What the path names.
    public enum Kind: Sendable, Hashable {
        /// A folder whose `.mid` / `.midi` files (recursively) are the music.
        case folder
        /// A text file listing MIDI files.
        case fileList
        /// One MIDI file.
        case midiFile
    }

    /// The folder, list or MIDI file.
    public var url: URL
    /// What ``url`` names.
    public var kind: Kind
    /// The style label of every file this source holds (a list's own labels take precedence).
    public var style: String?

    /// The file extensions taken for MIDI files.
    public static let midiExtensions: Set<String> = ["mid", "midi"]

    /// A source for `path`: a folder, a `.mid`/`.midi` file, or otherwise a file list. Throws
    /// when nothing exists at `path`.
    public init(path: String, style: String? = nil) throws(DataError) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DataError.missingPath(path)
        }
        let kind: Kind = isFolder.boolValue ? .folder
            : Self.midiExtensions.contains(url.pathExtension.lowercased()) ? .midiFile : .fileList
        self.init(url: url, kind: kind, style: style)
    }

    /// A source of a known kind.
    public init(url: URL, kind: Kind, style: String? = nil) {
        self.url = url.standardizedFileURL
        self.kind = kind
        self.style = style
    }

    /// The items this source holds, sorted by path for folders and in list order for lists.
    public func items() throws(DataError) -> [DataItem] {
        switch kind {
        case .midiFile:
            return [DataItem(file: url, style: style)]
        case .folder:
            return try Self.midiFiles(under: url).map { DataItem(file: $0, style: style) }
        case .fileList:
            let text: String
            do {
                text = try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw DataError.io(path: url.path, reason: "cannot read the file list as UTF-8 text; pass a list with one MIDI path per line")
            }
            return try Self.parseList(text, listURL: url, style: style)
        }
    }

    /// The MIDI files under `folder`, recursively, sorted by path.
    public static func midiFiles(under folder: URL) throws(DataError) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(
            at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else {
            throw DataError.io(path: folder.path, reason: "cannot list the folder; check that it exists and is readable")
        }
        var files: [URL] = []
        while let file = enumerator.nextObject() as? URL {
            if midiExtensions.contains(file.pathExtension.lowercased()) {
                files.append(file.standardizedFileURL)
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// The items of a file list's `text`; paths resolve against `listURL`'s folder, and errors
    /// name the list, the line and the path.
    public static func parseList(_ text: String, listURL: URL, style: String? = nil) throws(DataError) -> [DataItem] {
        let folder = listURL.deletingLastPathComponent()
        var items: [DataItem] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: true)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count <= 2 else {
                throw DataError.malformedListLine(list: listURL.path, line: index + 1, fieldCount: fields.count)
            }
            let path = fields[0]
            let file = try resolve(path, in: folder, list: listURL, line: index + 1)
            let label = fields.count == 2 && !fields[1].isEmpty ? fields[1] : style
            items.append(DataItem(file: file, style: label))
        }
        return items
    }

    private static func resolve(_ path: String, in folder: URL, list: URL, line: Int) throws(DataError) -> URL {
        let direct = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
        var candidates = [direct]
        if direct.pathExtension.isEmpty {
            candidates += ["mid", "midi"].map { direct.appendingPathExtension($0) }
        }
        var namesFolder = false
        for candidate in candidates {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder) {
                if !isFolder.boolValue { return candidate.standardizedFileURL }
                namesFolder = namesFolder || candidate == direct
            }
        }
        if namesFolder { throw DataError.listedFolder(list: list.path, line: line, path: path) }
        throw DataError.missingListedFile(list: list.path, line: line, path: path)
    }
}

/// A set of training or validation music: the items of one or more ``DataSource``s, with
/// their style labels mapped to class indices.
///
/// Class indices follow the **sorted** label names (`styles`), so they do not depend on the
/// order of sources or lines. Unlabeled items get ``unlabeledClass`` (−1): the trainer trains
/// them as class 0 (a model trained on unlabeled music has that one class), and `eval
/// --checkpoint` scores them as the model's default style. A validation set must use its training set's classes: pass
/// them as `styles`.
public struct MusicDataset: Sendable, Hashable {
    /// The class index of an item without a style label.
    public static let unlabeledClass: Int32 = -1

    /// The items, in source order (duplicates, the same file twice, kept once).
    public let items: [DataItem]
    /// The style labels, sorted; label `styles[i]` is class `i`.
    public let styles: [String]
    /// A short description of where the items came from, for messages.
    public let origin: String

    /// The items of `sources`, in order. With `styles`, every label must be one of them (the
    /// classes of a training set, for its validation set); without, the classes are the sorted
    /// labels found. Throws when a source is unreadable or holds no MIDI files at all.
    public init(sources: [DataSource], styles: [String]? = nil) throws(DataError) {
        var seen = Set<URL>()
        var items: [DataItem] = []
        for source in sources {
            for item in try source.items() where seen.insert(item.file).inserted {
                items.append(item)
            }
        }
        let origin = sources.map(\.url.path).joined(separator: ", ")
        let found = Set(items.compactMap(\.style)).sorted()
        if let styles {
            if let stray = items.first(where: { $0.style.map { !styles.contains($0) } ?? false }) {
                throw DataError.unknownStyle(stray.style!, path: stray.file.path, known: styles)
            }
        }
        guard !items.isEmpty else { throw DataError.emptyDataset(source: origin, skipped: 0) }
        self.items = items
        self.styles = styles ?? found
        self.origin = origin
    }

    /// The items of one path (folder, list or MIDI file); see ``init(sources:styles:)``.
    public init(path: String, styles: [String]? = nil) throws(DataError) {
        try self.init(sources: [DataSource(path: path)], styles: styles)
    }

    /// The class index of `item`'s style: its place in ``styles``, or ``unlabeledClass``.
    public func classIndex(of item: DataItem) -> Int32 {
        guard let style = item.style, let index = styles.firstIndex(of: style) else { return Self.unlabeledClass }
        return Int32(index)
    }
}
