import Foundation

/// Locates the shared music corpus (`../shared/data` beside the checkout, or
/// `$FRACTALMIDI_DATA`) for tests that read real MIDI files.
///
/// Corpus tests carry the trait `.enabled(if: SharedData.shouldRun)`: outside CI a missing
/// corpus makes them show as skipped (with a message), never as passed; under CI (`CI=true`)
/// it is a failure, so a broken checkout layout cannot pass silently.
public enum SharedData {
    /// The repository root, found from this source file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root

    /// The corpus folder, whether or not it exists.
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["FRACTALMIDI_DATA"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return repositoryRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/data", isDirectory: true)
    }

    /// Whether the tests run under CI, where the corpus is mandatory.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Whether the corpus is present.
    public static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("README.md").path)
    }

    /// Whether corpus tests should run: true when it is present; false (skip) when absent
    /// outside CI. Under CI an absent corpus is not skipped: the tests run and fail on the
    /// missing files, naming the path.
    public static var shouldRun: Bool {
        if isAvailable || isCI { return true }
        FileHandle.standardError.write(Data(
            "note: shared corpus not found at \(directory.path); corpus tests skipped (set FRACTALMIDI_DATA)\n".utf8))
        return false
    }

    /// A path inside the corpus.
    public static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    /// The files with the given extensions under a corpus folder, sorted by path.
    public static func files(in relativeFolder: String, extensions: Set<String> = ["mid", "midi"]) -> [URL] {
        let root = url(relativeFolder)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            return []
        }
        var result: [URL] = []
        for case let file as URL in enumerator where extensions.contains(file.pathExtension.lowercased()) {
            result.append(file)
        }
        return result.sorted { $0.path < $1.path }
    }
}
