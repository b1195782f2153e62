/// Limits on a YAML text, checked before the YAML library reads it.
///
/// The YAML library builds its document tree recursively, one stack frame per level of
/// nesting, so a text of a few hundred kilobytes of `[[[[…` (or `- - - …`) would overflow the
/// stack and end the process instead of giving an error. `YAMLInputLimits` bounds the text's
/// size and an upper bound of its nesting depth, read off the characters alone, so that such a
/// text is refused with a message. A configuration needs three levels; the limits are far above
/// that and far below the depth the stack holds.
public enum YAMLInputLimits {
    /// The largest configuration text, in bytes.
    public static let maxBytes = 1 << 20
    /// The deepest nesting of lists and mappings accepted.
    public static let maxDepth = 64
    /// The most values (scalars, lists and mappings) a document may hold after its aliases
    /// are expanded.
    public static let maxNodes = 100_000

    /// What is wrong with `text`, or nil when it is within the limits.
    public static func violation(in text: String) -> String? {
        let bytes = text.utf8.count
        if bytes > maxBytes {
            return "\(bytes) bytes is above the limit of \(maxBytes) bytes for a configuration"
        }
        let depth = depthBound(of: text)
        if depth > maxDepth {
            return "lists and mappings nest deeper than the limit of \(maxDepth) levels"
        }
        return nil
    }

    /// An upper bound of the nesting depth of the YAML `text`.
    ///
    /// Every level of nesting opens with a character on its line: a flow bracket (`[`, `{`),
    /// a block entry (`-`), a complex key (`?`) or a mapping colon (`:`). A line's depth is at
    /// most the depth of the line it is indented under, plus one, plus the number of such
    /// characters on it, plus the flow brackets still open. Counting every such character,
    /// quoted or in a comment or not, only makes the bound larger. Lines end at `\n` or `\r`,
    /// as YAML's do.
    public static func depthBound(of text: String) -> Int {
        var parents: [(indent: Int, depth: Int)] = []
        var flowDepth = 0
        var deepest = 0
        let lines = text.utf8.split(omittingEmptySubsequences: true) { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        for line in lines {
            let indent = line.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.count
            let content = line.dropFirst(indent)
            if content.isEmpty { continue }
            while let last = parents.last, last.indent >= indent { parents.removeLast() }
            var markers = 0
            var flowPeak = flowDepth
            for byte in content {
                switch byte {
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flowDepth += 1
                    flowPeak = max(flowPeak, flowDepth)
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    flowDepth = max(0, flowDepth - 1)
                case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
                    markers += 1
                default:
                    break
                }
            }
            let depth = (parents.last?.depth ?? 0) + 1 + markers
            parents.append((indent, depth))
            deepest = max(deepest, depth + flowPeak)
            if deepest > maxDepth { return deepest }
        }
        return deepest
    }
}
