/// The bounds the studio puts on what a request may ask for, so that no request can take
/// the server's memory or hold the model for long. They follow the command line's limits
/// where it has one.
public enum StudioLimits {
    /// The largest MIDI upload: 4 MiB.
    public static let maximumUploadBytes = 4 << 20
    /// The largest JSON body (a session with its history, a job with its piece): 16 MiB.
    public static let maximumBodyBytes = 16 << 20
    /// The longest piece, in steps: `generate --steps`' limit.
    public static let maximumSteps = 65_536
    /// The most notes in one piece.
    public static let maximumNotes = 200_000
    /// The most takes one job draws at once.
    public static let maximumTakes = 4
    /// The most bars one job adds (`new` and `continue`).
    public static let maximumBars = 256
    /// The tempo range, as `--bpm` allows.
    public static let beatsPerMinute: ClosedRange<Double> = 1...1000
    /// The most entries in a session's history.
    public static let maximumHistory = 500
}
