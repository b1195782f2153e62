import ArgumentParser

/// The `--threads` rule of the commands that run a trained model (generate, continue, inpaint,
/// studio, eval): 1…256 compute threads, or the option left out for the command's default.
enum ComputeThreads {
    /// The counts a command line may ask for.
    static let allowed = 1...256

    /// Throws the command line's one-line error when `threads` is given and outside ``allowed``.
    static func validate(_ threads: Int?) throws {
        if let threads, !allowed.contains(threads) {
            throw ValidationError("--threads \(threads) is outside 1…256; leave it out for the default")
        }
    }
}
