/// A configuration that cannot be used: one message naming the file (and the command-line
/// override, when the value came from one), the key, the value, the rule and a fix.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The configuration file the value came from (or `<defaults>` for an in-code config).
    public let file: String
    /// The `section.key=value` override the value came from, when it came from one.
    public let override: String?
    /// The dotted key at fault (`data.crop_length`), or "" for a problem with the whole file.
    public let key: String
    /// What is wrong and how to fix it, without the file name.
    public let message: String

    /// Creates an error about `key`, whose value came from `file` or from `override`.
    public init(file: String, override: String? = nil, key: String, message: String) {
        self.file = file
        self.override = override
        self.key = key
        self.message = message
    }

    /// `file: message`, or `file (override k=v): message`.
    public var description: String {
        if let override {
            return "\(file) (override \(override)): \(message)"
        }
        return "\(file): \(message)"
    }
}

/// Something in a configuration that is accepted but does not do what its text suggests:
/// a reference-project key that means nothing on this engine, a capped value, an unused entry.
public struct ConfigWarning: CustomStringConvertible, Equatable, Sendable {
    /// The configuration file the key came from.
    public let file: String
    /// The dotted key the warning is about.
    public let key: String
    /// What happens instead, in one sentence.
    public let message: String

    /// Creates a warning about `key` of `file`.
    public init(file: String, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    /// `file: warning: message`.
    public var description: String { "\(file): warning: \(message)" }
}
