import Foundation

/// Renders MIDI files to WAV with FluidSynth and the TimGM6mb General MIDI soundfont, the
/// Debian packages `fluidsynth` and `timgm6mb-soundfont`.
public enum FluidSynth {
    /// The soundfont the `timgm6mb-soundfont` package installs.
    public static let soundFont = "/usr/share/sounds/sf2/TimGM6mb.sf2"
    /// The sample rate of the WAV files.
    public static let sampleRate = 44_100
    /// The command that installs what rendering needs.
    public static let installCommand = "apt-get install -y --no-install-recommends fluidsynth timgm6mb-soundfont"

    /// The `fluidsynth` executable on the `PATH`, if any.
    public static func executable() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("fluidsynth") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// What is missing of FluidSynth and its soundfont ("fluidsynth", the soundfont's path);
    /// empty when rendering can run.
    public static func missingParts() -> [String] {
        [executable() == nil ? "fluidsynth" : nil,
         FileManager.default.fileExists(atPath: soundFont) ? nil : soundFont].compactMap { $0 }
    }

    /// Throws unless FluidSynth and the soundfont are installed; `purpose` starts the message
    /// ("--wav needs").
    public static func checkAvailable(for purpose: String) throws(AudioRenderingError) {
        let missing = missingParts()
        guard missing.isEmpty else {
            throw .synthesizerMissing("\(purpose) FluidSynth and the TimGM6mb soundfont, but \(missing.joined(separator: " and ")) "
                + "\(missing.count == 1 ? "is" : "are") missing; install them with `\(installCommand)`")
        }
    }

    /// Renders `midi` to `wav` (written to a temporary name beside it, then renamed, so that
    /// `wav` is the whole audio or absent).
    public static func render(midi: URL, to wav: URL) throws(AudioRenderingError) {
        try checkAvailable(for: "rendering audio needs")
        guard let executable = executable() else { return }
        let temporary = wav.deletingLastPathComponent()
            .appendingPathComponent(".\(wav.deletingPathExtension().lastPathComponent)-\(UUID().uuidString).wav")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-ni", "-q", "-F", temporary.path, "-r", String(sampleRate), soundFont, midi.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: temporary.path) else {
                try? FileManager.default.removeItem(at: temporary)
                throw AudioRenderingError.failed("\(wav.path): fluidsynth failed with status \(process.terminationStatus); "
                    + "check that \(midi.lastPathComponent) plays with `fluidsynth -ni \(soundFont) \(midi.path)`")
            }
            if FileManager.default.fileExists(atPath: wav.path) {
                _ = try FileManager.default.replaceItemAt(wav, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: wav)
            }
        } catch let error as AudioRenderingError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .failed("\(wav.path): cannot render the audio (\(error.localizedDescription)); check the folder's permissions")
        }
    }

    /// Renders the MIDI file `midi` (its bytes) and returns the WAV's bytes, working in a
    /// temporary folder that is removed afterwards.
    public static func render(midi: Data) throws(AudioRenderingError) -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fractalmidi-audio-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("piece.mid"), output = folder.appendingPathComponent("piece.wav")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try midi.write(to: input)
        } catch {
            throw .failed("\(folder.path): cannot write the MIDI to render (\(error.localizedDescription)); check the temporary folder")
        }
        try render(midi: input, to: output)
        do {
            return try Data(contentsOf: output)
        } catch {
            throw .failed("\(output.path): cannot read the rendered audio (\(error.localizedDescription))")
        }
    }
}

/// Why audio could not be rendered.
public enum AudioRenderingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// FluidSynth or its soundfont is not installed; the message names the install command.
    case synthesizerMissing(String)
    /// FluidSynth ran but failed, or a file could not be written.
    case failed(String)

    public var description: String {
        switch self {
        case .synthesizerMissing(let message), .failed(let message): message
        }
    }
}
