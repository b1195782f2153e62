import FileWriting
import Foundation

/// The element types a safetensors file may hold here (the format's names are the raw values).
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case float32 = "F32"
    case int32 = "I32"
    case int64 = "I64"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .int64: return 8
        }
    }
}

/// One named tensor of a safetensors file: a shape and the row-major values.
public struct SafeTensor: Sendable, Equatable {
    /// The values, tagged by element type.
    public enum Values: Sendable, Equatable {
        case float32([Float])
        case int32([Int32])
        case int64([Int64])

        /// Number of elements.
        public var count: Int {
            switch self {
            case let .float32(v): return v.count
            case let .int32(v): return v.count
            case let .int64(v): return v.count
            }
        }
    }

    /// The dimensions, outermost first (empty for a scalar).
    public let shape: [Int]
    /// The values in row-major order.
    public let values: Values

    /// The element type of `values`.
    public var dtype: SafeTensorsDType {
        switch values {
        case .float32: return .float32
        case .int32: return .int32
        case .int64: return .int64
        }
    }

    /// A tensor of the given shape; the number of values must equal the product of the shape.
    public init(shape: [Int], values: Values) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(SafeTensorsFile.product(shape, 1) == values.count,
                     "shape \(shape) needs \(SafeTensorsFile.product(shape, 1).map(String.init) ?? "more than Int.max") values, got \(values.count)")
        self.shape = shape
        self.values = values
    }
}

/// A safetensors file in memory: named tensors plus string metadata (`__metadata__`).
///
/// The format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...}`),
/// then the raw little-endian data. Files written here pad the header with spaces so the data
/// starts on an 8-byte boundary and store tensors ordered by element size then name, as the
/// reference implementation does, so PyTorch and numpy can map them without copying.
public struct SafeTensorsFile: Sendable {
    /// The file name used in error messages (the path, or "(in memory)").
    public let source: String
    /// Free-form string metadata, stored under `__metadata__`.
    public var metadata: [String: String]
    /// The tensors by name.
    public private(set) var tensors: [String: SafeTensor]

    /// An empty file to fill and write.
    public init(metadata: [String: String] = [:]) {
        self.source = "(in memory)"
        self.metadata = metadata
        self.tensors = [:]
    }

    /// The tensor names, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// Adds or replaces a tensor.
    public mutating func set(_ name: String, _ tensor: SafeTensor) {
        tensors[name] = tensor
    }

    /// Adds or replaces a float tensor.
    public mutating func set(_ name: String, floats: [Float], shape: [Int]) {
        tensors[name] = SafeTensor(shape: shape, values: .float32(floats))
    }

    /// Adds or replaces a 64-bit integer tensor.
    public mutating func set(_ name: String, int64s: [Int64], shape: [Int]) {
        tensors[name] = SafeTensor(shape: shape, values: .int64(int64s))
    }

    /// Adds or replaces a 32-bit integer tensor.
    public mutating func set(_ name: String, int32s: [Int32], shape: [Int]) {
        tensors[name] = SafeTensor(shape: shape, values: .int32(int32s))
    }

    /// The tensor called `name`, or `missingTensor`.
    public func tensor(_ name: String) throws(SafeTensorsError) -> SafeTensor {
        guard let tensor = tensors[name] else { throw .missingTensor(file: source, tensor: name) }
        return tensor
    }

    /// The shape of the tensor called `name`.
    public func shape(of name: String) throws(SafeTensorsError) -> [Int] {
        try tensor(name).shape
    }

    /// The values of a float tensor; when `shape` is given the stored shape must equal it.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws(SafeTensorsError) -> [Float] {
        let t = try checked(name, expected: expected, dtype: .float32)
        guard case let .float32(v) = t.values else { preconditionFailure("dtype checked") }
        return v
    }

    /// The values of a 32-bit integer tensor; when `shape` is given the stored shape must equal it.
    public func int32s(_ name: String, shape expected: [Int]? = nil) throws(SafeTensorsError) -> [Int32] {
        let t = try checked(name, expected: expected, dtype: .int32)
        guard case let .int32(v) = t.values else { preconditionFailure("dtype checked") }
        return v
    }

    /// The values of a 64-bit integer tensor; when `shape` is given the stored shape must equal it.
    public func int64s(_ name: String, shape expected: [Int]? = nil) throws(SafeTensorsError) -> [Int64] {
        let t = try checked(name, expected: expected, dtype: .int64)
        guard case let .int64(v) = t.values else { preconditionFailure("dtype checked") }
        return v
    }

    private func checked(_ name: String, expected: [Int]?, dtype: SafeTensorsDType) throws(SafeTensorsError) -> SafeTensor {
        let t = try tensor(name)
        guard t.dtype == dtype else {
            throw .wrongDType(file: source, tensor: name, expected: dtype, actual: t.dtype)
        }
        if let expected, expected != t.shape {
            throw .shapeMismatch(file: source, tensor: name, expected: expected, actual: t.shape)
        }
        return t
    }
}

// MARK: - Reading

extension SafeTensorsFile {
    /// Reads a safetensors file from disk.
    public init(contentsOf url: URL) throws(SafeTensorsError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: url.path, reason: Self.reason(error))
        }
        try self.init(bytes: data, source: url.path)
    }

    /// Parses the bytes of a safetensors file; `source` names it in error messages.
    public init(bytes data: Data, source: String) throws(SafeTensorsError) {
        self.source = source
        let total = data.count
        guard total >= 8 else {
            throw .truncated(file: source, detail: "\(total) bytes, shorter than the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength <= 100_000_000 else {
            throw .corruptHeader(file: source, detail: "header length \(headerLength) bytes is implausible")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= total else {
            throw .truncated(file: source, detail: "header needs \(headerLength) bytes, only \(total - 8) present")
        }
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + headerEnd))
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw .corruptHeader(file: source, detail: "header is not valid JSON")
        }
        guard let header = parsed as? [String: Any] else {
            throw .corruptHeader(file: source, detail: "header is not a JSON object")
        }
        let dataStart = data.startIndex + headerEnd
        let dataLength = total - headerEnd
        var metadata: [String: String] = [:]
        var tensors: [String: SafeTensor] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let entries = value as? [String: Any] else {
                    throw .corruptHeader(file: source, detail: "__metadata__ is not an object")
                }
                for (key, entry) in entries {
                    guard let text = entry as? String else {
                        throw .corruptHeader(file: source, detail: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            let entry = try Self.parseEntry(name: name, value: value, source: source)
            // Shape and offsets are each below 10^15, but their product is not bounded:
            // multiply with overflow checks so that a header cannot trap the process.
            guard let count = Self.product(entry.shape, entry.dtype.byteCount) else {
                throw .corruptHeader(file: source, detail: "tensor '\(name)' of shape \(entry.shape) is larger than any file can hold")
            }
            let byteLength = count * entry.dtype.byteCount
            guard entry.end - entry.begin == byteLength else {
                throw .corruptHeader(file: source, detail: "tensor '\(name)' of shape \(entry.shape) needs \(byteLength) bytes but its offsets span \(entry.end - entry.begin)")
            }
            guard entry.end <= dataLength else {
                throw .truncated(file: source, detail: "tensor '\(name)' ends at data byte \(entry.end), only \(dataLength) present")
            }
            let range = (dataStart + entry.begin)..<(dataStart + entry.end)
            let values: SafeTensor.Values
            switch entry.dtype {
            case .float32: values = .float32(Self.decode(data, range, count: count, as: Float.self))
            case .int32: values = .int32(Self.decode(data, range, count: count, as: Int32.self))
            case .int64: values = .int64(Self.decode(data, range, count: count, as: Int64.self))
            }
            tensors[name] = SafeTensor(shape: entry.shape, values: values)
        }
        self.metadata = metadata
        self.tensors = tensors
    }

    private struct Entry {
        var dtype: SafeTensorsDType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    private static func parseEntry(name: String, value: Any, source: String) throws(SafeTensorsError) -> Entry {
        guard let object = value as? [String: Any] else {
            throw .corruptHeader(file: source, detail: "entry '\(name)' is not an object")
        }
        guard let dtypeName = object["dtype"] as? String else {
            throw .corruptHeader(file: source, detail: "tensor '\(name)' has no dtype")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw .unsupportedDType(file: source, tensor: name, dtype: dtypeName)
        }
        guard let shape = integers(object["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw .corruptHeader(file: source, detail: "tensor '\(name)' has no valid shape")
        }
        guard let offsets = integers(object["data_offsets"]), offsets.count == 2,
              offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw .corruptHeader(file: source, detail: "tensor '\(name)' has no valid data_offsets")
        }
        return Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    /// The number of elements of `shape`, or nil when it or its size in bytes
    /// (`bytesPerElement` each) does not fit in an `Int`.
    static func product(_ shape: [Int], _ bytesPerElement: Int) -> Int? {
        if shape.contains(0) { return 0 }
        var count = 1
        for dimension in shape {
            let (next, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = next
        }
        let (_, overflow) = count.multipliedReportingOverflow(by: bytesPerElement)
        return overflow ? nil : count
    }

    /// Non-negative integers from a JSON array, or nil if it is not one.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for item in array {
            guard let number = item as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double.rounded() == double, double >= 0, double < 1e15 else { return nil }
            result.append(number.intValue)
        }
        return result
    }

    private static func decode<T>(_ data: Data, _ range: Range<Int>, count: Int, as: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                let source = UnsafeRawBufferPointer(rebasing: raw[(range.lowerBound - data.startIndex)..<(range.upperBound - data.startIndex)])
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            }
            initialized = count
        }
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            default: break
            }
        }
        return error.localizedDescription
    }
}

// MARK: - Writing

extension SafeTensorsFile {
    /// The bytes of this file in the safetensors format.
    public func serialized() -> Data {
        let order = tensors.keys.sorted { a, b in
            let sa = tensors[a]!.dtype.byteCount, sb = tensors[b]!.dtype.byteCount
            return sa != sb ? sa > sb : a < b
        }
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted().map { "\(Self.quote($0)):\(Self.quote(metadata[$0]!))" }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for name in order {
            let t = tensors[name]!
            let length = t.values.count * t.dtype.byteCount
            if !first { json += "," }
            first = false
            json += "\(Self.quote(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + length)]}"
            offset += length
        }
        json += "}"
        var header = Array(json.utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }

        var out = Data(capacity: 8 + header.count + offset)
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for name in order {
            switch tensors[name]!.values {
            case let .float32(v): v.withUnsafeBytes { out.append(contentsOf: $0) }
            case let .int32(v): v.withUnsafeBytes { out.append(contentsOf: $0) }
            case let .int64(v): v.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    /// Writes the file atomically: to a temporary file in the same folder, then renamed over
    /// `url`, so a crash never leaves a half-written file behind.
    public func write(to url: URL) throws(SafeTensorsError) {
        do {
            try AtomicFile.write(serialized(), to: url)
        } catch {
            throw .unwritable(file: url.path, reason: String(cString: strerror(error.code)))
        }
    }

    /// A JSON string literal.
    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
