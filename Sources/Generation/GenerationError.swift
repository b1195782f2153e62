/// Generation that cannot go on: one line naming the problem and the fix.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    /// The request does not fit the model or is malformed.
    case invalidRequest(String)
    /// The caller cancelled the generation.
    case cancelled

    public var description: String {
        switch self {
        case .invalidRequest(let message): message
        case .cancelled: "generation was cancelled"
        }
    }
}
