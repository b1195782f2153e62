/// A problem reading, writing or querying a safetensors file. Every case names the file
/// (or "(in memory)" for a file that was never on disk) and its `description` is a
/// one-line message saying what is wrong and how to fix it.
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read at all.
    case unreadable(file: String, reason: String)
    /// The file ends before its header or data says it should.
    case truncated(file: String, detail: String)
    /// The JSON header is malformed or describes tensors that do not fit the data.
    case corruptHeader(file: String, detail: String)
    /// A tensor uses an element type this reader does not support (only F32, I32, I64).
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A tensor exists but has a different element type from the one asked for.
    case wrongDType(file: String, tensor: String, expected: SafeTensorsDType, actual: SafeTensorsDType)
    /// No tensor of that name is in the file.
    case missingTensor(file: String, tensor: String)
    /// A tensor exists but its shape differs from the one asked for.
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    /// The file could not be written (the previous contents, if any, are untouched).
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file (\(reason)); check the path and its permissions"
        case let .truncated(file, detail):
            return "\(file): the file is truncated (\(detail)); it was probably cut off while copying or writing, so write or copy it again"
        case let .corruptHeader(file, detail):
            return "\(file): the safetensors header is corrupt (\(detail)); this is not a valid safetensors file, so re-create it"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has element type \(dtype), but only F32, I32 and I64 are supported; convert it (e.g. tensor.float() in PyTorch) before saving"
        case let .wrongDType(file, tensor, expected, actual):
            return "\(file): tensor '\(tensor)' holds \(actual.rawValue) values, but \(expected.rawValue) was expected; save it with element type \(expected.rawValue)"
        case let .missingTensor(file, tensor):
            return "\(file): no tensor named '\(tensor)'; the file was written by a different model or version, so check that it matches this model"
        case let .shapeMismatch(file, tensor, expected, actual):
            return "\(file): tensor '\(tensor)' has shape \(actual), but \(expected) was expected; the file was written for a model of a different size, so use the matching configuration"
        case let .unwritable(file, reason):
            return "\(file): cannot write the file (\(reason)); check that the folder exists, is writable and has free space"
        }
    }
}
