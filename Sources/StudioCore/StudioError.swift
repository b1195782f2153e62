import Foundation

/// Why the studio refused a request: each case carries one line naming the problem and the
/// fix, which the API sends as `{"error": …}` with ``status``.
public enum StudioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A piece that breaks a rule of ``StudioPiece/roll()``.
    case invalidPiece(String)
    /// A request body that is not what the endpoint takes (not JSON, a field missing or out of range).
    case invalidRequest(String)
    /// A MIDI file the reader refused.
    case unreadableMIDI(String)
    /// A body over the endpoint's size limit.
    case tooLarge(String)
    /// No session of that id, or an id that cannot name one.
    case noSuchSession(String)
    /// The model refused the job (the generation pipeline's message).
    case generationFailed(String)
    /// Something the server needs is missing (FluidSynth, its web files).
    case unavailable(String)
    /// A file could not be written or read.
    case storage(String)

    /// The HTTP status that goes with the error.
    public var status: Int {
        switch self {
        case .invalidPiece, .invalidRequest, .unreadableMIDI, .generationFailed: 400
        case .noSuchSession: 404
        case .tooLarge: 413
        case .unavailable: 503
        case .storage: 500
        }
    }

    public var description: String {
        switch self {
        case .invalidPiece(let message), .invalidRequest(let message), .unreadableMIDI(let message), .tooLarge(let message), .noSuchSession(let message),
             .generationFailed(let message), .unavailable(let message), .storage(let message): message
        }
    }
}
