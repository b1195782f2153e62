import Foundation
import Yams

/// A configuration read from YAML, checked, with the warnings the reading produced
/// (the command line prints them before it starts).
public struct LoadedConfig: Sendable, Equatable {
    /// The checked configuration.
    public var config: FractalConfig
    /// One warning per accepted key that does not do what its text suggests.
    public var warnings: [ConfigWarning]
}

extension FractalConfig {
    /// Reads, overrides and checks a YAML configuration file.
    ///
    /// - Parameters:
    ///   - url: the YAML file.
    ///   - overrides: `section.key=value` settings applied over the file (the value is YAML,
    ///     e.g. `training.max_steps=10` or `model.img_size_list=[128,16,4,1]`), checked like
    ///     the file's own values.
    /// - Throws: `ConfigError` naming the file, the key, the value, the rule and a fix.
    public static func load(contentsOf url: URL, overrides: [String] = []) throws(ConfigError) -> LoadedConfig {
        let text: String
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int,
           size > YAMLInputLimits.maxBytes {
            throw ConfigError(file: url.relativePath, key: "",
                              message: "\(size) bytes is above the limit of \(YAMLInputLimits.maxBytes) bytes for a configuration; check the path (e.g. config/train_default.yaml)")
        }
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path)
                ? "cannot be read as UTF-8 text" : "does not exist"
            throw ConfigError(file: url.relativePath, key: "",
                              message: "the configuration file \(reason); check the path (e.g. config/train_default.yaml)")
        }
        return try parse(yaml: text, file: url.relativePath, overrides: overrides)
    }

    /// Reads, overrides and checks a YAML configuration given as text; `file` names it in
    /// messages. An empty text gives the defaults.
    public static func parse(yaml: String, file: String, overrides: [String] = []) throws(ConfigError) -> LoadedConfig {
        var document = try ConfigDocument(yaml: yaml, file: file)
        for override in overrides {
            try document.apply(override: override)
        }
        var reader = ConfigReader(document: document)
        var warnings: [ConfigWarning] = []
        let config = try reader.decode(warnings: &warnings)
        try reader.rejectUnreadKeys()
        warnings += try config.validate(file: file, overrides: document.overrideOrigins)
        return LoadedConfig(config: config, warnings: warnings)
    }
}

/// The YAML document flattened to `section.key` paths (and top-level keys such as `seed`),
/// with command-line overrides applied on top.
struct ConfigDocument {
    /// One value and where it came from.
    struct Entry {
        var node: Node
        var override: String?
    }

    let file: String
    private(set) var entries: [String: Entry] = [:]
    /// Paths in the order they appear (file first, then new paths from overrides).
    private(set) var order: [String] = []

    init(yaml: String, file: String) throws(ConfigError) {
        self.file = file
        if let violation = YAMLInputLimits.violation(in: yaml) {
            throw ConfigError(file: file, key: "", message: "\(violation); write a plain configuration like config/train_default.yaml")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(file: file, key: "", message: "not valid YAML (\(Self.oneLine(error))); fix the syntax there")
        } catch {
            throw ConfigError(file: file, key: "", message: "not valid YAML (\(error)); fix the syntax")
        }
        guard let root, root.null == nil else { return }
        if root.exceedsNodeCount(YAMLInputLimits.maxNodes) {
            throw ConfigError(file: file, key: "",
                              message: "the document holds more than the limit of \(YAMLInputLimits.maxNodes) values (aliases count each time they are used); write a plain configuration like config/train_default.yaml")
        }
        guard let mapping = root.mapping else {
            throw ConfigError(file: file, key: "",
                              message: "the file must be a YAML mapping of sections (model:, training:, data:, hardware:, logging:, sampling:, seed:), got \(render(root))")
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? render(keyNode)
            if let section = value.mapping {
                for (innerKey, innerValue) in section {
                    add("\(key).\(innerKey.string ?? render(innerKey))", Entry(node: innerValue, override: nil))
                }
            } else if value.null != nil && ConfigReader.sections.contains(key) {
                continue  // An empty section, e.g. `logging:` with nothing under it.
            } else {
                add(key, Entry(node: value, override: nil))
            }
        }
    }

    /// Applies one `section.key=value` override.
    mutating func apply(override: String) throws(ConfigError) {
        guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
            throw ConfigError(file: file, override: override, key: "",
                              message: "an override must read section.key=value, e.g. training.max_steps=10")
        }
        let path = override[..<equals].trimmingCharacters(in: .whitespaces)
        let text = String(override[override.index(after: equals)...])
        if let violation = YAMLInputLimits.violation(in: text) {
            throw ConfigError(file: file, override: override, key: path, message: "the value of \(path): \(violation); give a plain value")
        }
        let node: Node
        do {
            node = try Yams.compose(yaml: text) ?? Node("null")
        } catch let error as YamlError {
            throw ConfigError(file: file, override: override, key: path,
                              message: "the value of \(path) is not valid YAML (\(Self.oneLine(error))); quote it or fix it")
        } catch {
            throw ConfigError(file: file, override: override, key: path,
                              message: "the value of \(path) is not valid YAML; quote it or fix it")
        }
        if node.exceedsNodeCount(YAMLInputLimits.maxNodes) {
            throw ConfigError(file: file, override: override, key: path,
                              message: "the value of \(path) holds more than the limit of \(YAMLInputLimits.maxNodes) values; give a plain value")
        }
        add(path, Entry(node: node, override: override))
    }

    /// The override each overridden path came from.
    var overrideOrigins: [String: String] {
        entries.compactMapValues(\.override)
    }

    private mutating func add(_ path: String, _ entry: Entry) {
        if entries[path] == nil { order.append(path) }
        entries[path] = entry
    }

    /// A one-line account of a YAML syntax error, with its line and column.
    private static func oneLine(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)"
        default:
            return error.description.split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }
}

extension Node {
    /// Whether the tree under this node holds more than `limit` nodes; stops counting at the
    /// limit, so that a document whose aliases expand exponentially is judged quickly.
    func exceedsNodeCount(_ limit: Int) -> Bool {
        var remaining = limit
        func visit(_ node: Node) -> Bool {
            remaining -= 1
            if remaining < 0 { return true }
            switch node {
            case .scalar: return false
            case .sequence(let sequence): return sequence.contains { visit($0) }
            case .mapping(let mapping): return mapping.contains { visit($0.key) || visit($0.value) }
            }
        }
        return visit(self)
    }
}

/// A YAML value written the way a user would type it, for messages.
func render(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar):
        if node.null != nil { return "null" }
        if scalar.string.isEmpty { return "\"\"" }
        return scalar.style == .doubleQuoted || scalar.style == .singleQuoted ? "\"\(scalar.string)\"" : scalar.string
    case .sequence(let sequence):
        return "[" + sequence.map(render).joined(separator: ", ") + "]"
    case .mapping(let mapping):
        return "{" + mapping.map { "\(render($0.key)): \(render($0.value))" }.joined(separator: ", ") + "}"
    }
}
