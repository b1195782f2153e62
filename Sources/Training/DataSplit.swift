import Foundation

/// A deterministic division of music into training and validation files, whole songs only.
///
/// Every file gets a rank: the FNV-1a hash of the seed and the file's path relative to a root
/// folder (the folder that was split, or else the deepest folder all the files share). The
/// lowest-ranked files are the validation set. The result depends only on the seed and the
/// set of files (not on the order they were found in), and adding a file under the same root
/// moves at most one other file across the split.
public struct DataSplit: Sendable, Hashable {
    /// The training items, sorted by path.
    public let train: [DataItem]
    /// The validation items, sorted by path.
    public let valid: [DataItem]
    /// The seed the ranks were drawn with.
    public let seed: UInt64

    /// Splits `items` so that `validShare` of them (rounded, at least one, never all) are
    /// validation files, ranking paths relative to `root` (default: the deepest folder all the
    /// files share). Throws when the share is not in (0, 1) or fewer than two files are given.
    public init(
        items: [DataItem], validShare: Double, seed: UInt64, root: URL? = nil, origin: String = "data"
    ) throws(DataError) {
        guard validShare > 0, validShare < 1 else {
            throw DataError.invalidValidationShare("\(validShare)")
        }
        var unique: [URL: DataItem] = [:]
        for item in items { unique[item.file] = unique[item.file] ?? item }
        guard unique.count >= 2 else { throw DataError.tooFewFilesToSplit(count: unique.count, source: origin) }
        let root = root ?? commonFolder(of: Array(unique.keys))
        let ranked = unique.values.map { item -> (rank: UInt64, key: String, item: DataItem) in
            let key = relativePath(of: item.file, from: root)
            var hash = ContentHash()
            hash.combine(seed)
            hash.combine(key)
            return (hash.value, key, item)
        }.sorted { ($0.rank, $0.key) < ($1.rank, $1.key) }
        let validCount = min(max(1, Int((validShare * Double(ranked.count)).rounded())), ranked.count - 1)
        valid = ranked[..<validCount].map(\.item).sorted { $0.file.path < $1.file.path }
        train = ranked[validCount...].map(\.item).sorted { $0.file.path < $1.file.path }
        self.seed = seed
    }

    /// Reads a validation share written as a percentage (`5%`) or a fraction (`0.05`).
    public static func parseShare(_ text: String) throws(DataError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let value: Double?
        if trimmed.hasSuffix("%") {
            value = Double(trimmed.dropLast()).map { $0 / 100 }
        } else {
            value = Double(trimmed)
        }
        guard let value, value > 0, value < 1 else { throw DataError.invalidValidationShare(text) }
        return value
    }

    /// Writes `train.txt` and `valid.txt` into `folder` (created when needed), each file
    /// written atomically, with paths relative to `folder` and style labels after a tab.
    /// Returns the two lists' URLs.
    @discardableResult
    public func write(to folder: URL) throws(DataError) -> (train: URL, valid: URL) {
        let folder = folder.standardizedFileURL
        let trainURL = folder.appendingPathComponent("train.txt")
        let validURL = folder.appendingPathComponent("valid.txt")
        let total = train.count + valid.count
        for (url, items, name) in [(trainURL, train, "training"), (validURL, valid, "validation")] {
            var text = "# fractalmidi data split: \(name) files, \(items.count) of \(total), seed \(seed)\n"
            for item in items {
                text += relativePath(of: item.file, from: folder)
                if let style = item.style { text += "\t\(style)" }
                text += "\n"
            }
            try DataFile.write(Data(text.utf8), to: url)
        }
        return (trainURL, validURL)
    }
}

/// The deepest folder that holds every one of `files`.
func commonFolder(of files: [URL]) -> URL {
    guard var common = files.first?.deletingLastPathComponent().standardizedFileURL.pathComponents else {
        return URL(fileURLWithPath: "/")
    }
    for file in files.dropFirst() {
        let components = file.deletingLastPathComponent().standardizedFileURL.pathComponents
        var length = 0
        while length < min(common.count, components.count) && common[length] == components[length] { length += 1 }
        common = Array(common.prefix(length))
    }
    return URL(fileURLWithPath: NSString.path(withComponents: common.isEmpty ? ["/"] : common), isDirectory: true)
}

/// `file`'s path relative to `folder` (with `..` where needed).
func relativePath(of file: URL, from folder: URL) -> String {
    let target = file.standardizedFileURL.pathComponents
    let base = folder.standardizedFileURL.pathComponents
    var shared = 0
    while shared < min(target.count, base.count) && target[shared] == base[shared] { shared += 1 }
    let ups = Array(repeating: "..", count: base.count - shared)
    return (ups + target[shared...]).joined(separator: "/")
}
