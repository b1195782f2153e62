import Foundation

/// Renders MIDI files to WAV with FluidSynth and the TimGM6mb General MIDI soundfont, the
/// Debian packages `fluidsynth` and `timgm6mb-soundfont`.
enum AudioRendering {
    /// The soundfont the `timgm6mb-soundfont` package installs.
    static let soundFont = "/usr/share/sounds/sf2/TimGM6mb.sf2"
    /// The sample rate of the WAV files.
    static let sampleRate = 44_100
    /// The command that installs what `--wav` needs.
    static let installCommand = "apt-get install -y --no-install-recommends fluidsynth timgm6mb-soundfont"

    /// The `fluidsynth` executable on the `PATH`, if any.
    static func synthesizer() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent("fluidsynth") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Throws unless FluidSynth and the soundfont are installed.
    static func checkAvailable() throws(OutputError) {
        let missing = [synthesizer() == nil ? "fluidsynth" : nil,
                       FileManager.default.fileExists(atPath: soundFont) ? nil : soundFont].compactMap { $0 }
        guard missing.isEmpty else {
            throw .synthesizerMissing("--wav needs FluidSynth and the TimGM6mb soundfont, but \(missing.joined(separator: " and ")) "
                + "\(missing.count == 1 ? "is" : "are") missing; install them with `\(installCommand)` or leave out --wav")
        }
    }

    /// Renders `midi` to `wav` (written to a temporary name beside it, then renamed).
    static func render(midi: URL, to wav: URL) throws(OutputError) {
        try checkAvailable()
        guard let executable = synthesizer() else { return }
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
                throw OutputError.unwritable("\(wav.path): fluidsynth failed with status \(process.terminationStatus); "
                    + "check that \(midi.lastPathComponent) plays with `fluidsynth -ni \(soundFont) \(midi.path)`")
            }
            if FileManager.default.fileExists(atPath: wav.path) {
                _ = try FileManager.default.replaceItemAt(wav, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: wav)
            }
        } catch let error as OutputError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .unwritable("\(wav.path): cannot render the audio (\(error.localizedDescription)); check the folder's permissions")
        }
    }
}
