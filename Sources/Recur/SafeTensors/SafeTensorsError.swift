/// Why a safetensors file could not be read or written, or a tensor could not be accessed.
///
/// Every case carries what a user needs to find the problem: the tensor's name, the numbers that
/// disagree, the path that failed.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file holds fewer than the 8 bytes of the header length.
    case fileTooShort(byteCount: Int)
    /// The header length says the JSON runs past the end of the file.
    case headerLengthOutOfRange(headerLength: UInt64, bytesAfterLength: Int)
    /// The header length is above `Limits.maxHeaderBytes`.
    case headerTooLarge(headerLength: UInt64, limit: Int)
    /// The header is not UTF-8 JSON, or its top level is not an object.
    case invalidHeader(String)
    /// A tensor's header entry lacks `dtype`, `shape` or `data_offsets`, or one of them has the wrong JSON type.
    case invalidEntry(name: String, reason: String)
    /// A tensor's shape has a negative dimension.
    case negativeShape(name: String, shape: [Int])
    /// A tensor's element count or byte count does not fit in `Int`.
    case shapeTooLarge(name: String, shape: [Int])
    /// A tensor's dtype is not one this reader supports.
    case unknownDType(name: String, dtype: String)
    /// A tensor's data lies (partly) outside the data section, or starts before 0.
    case offsetsOutOfRange(name: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's `data_offsets` end before they begin.
    case offsetsReversed(name: String, begin: Int, end: Int)
    /// Two tensors' data share bytes.
    case overlappingTensors(String, String)
    /// A tensor's data has a different byte count than its shape and dtype need.
    case byteCountMismatch(name: String, byteCount: Int, expected: Int)
    /// `__metadata__` is not an object, or one of its values is not a string.
    case invalidMetadata(key: String?, reason: String)
    /// No tensor has this name.
    case tensorNotFound(String)
    /// The accessor cannot return this tensor's dtype (`floats` on integers, `int64s` on floats).
    case wrongDType(name: String, dtype: String, accessor: String)
    /// A tensor of this name is already set; remove it first to replace it.
    case duplicateName(String)
    /// The name cannot be used for a tensor (`__metadata__` is reserved for the metadata).
    case reservedName(String)
    /// The number of values given does not match the shape.
    case valueCountMismatch(name: String, count: Int, shape: [Int], expected: Int)
    /// Reading, writing or renaming a file failed.
    case io(path: String, message: String)

    /// `CustomStringConvertible`: the problem in words, with the tensor's name, the numbers that disagree or the path.
    public var description: String {
        switch self {
        case .fileTooShort(let byteCount):
            return "safetensors file is \(byteCount) bytes, too short for the 8-byte header length"
        case .headerLengthOutOfRange(let headerLength, let available):
            return "safetensors header length is \(headerLength) bytes, but only \(available) bytes follow the "
                + "8-byte length field: the file is truncated or not a safetensors file"
        case .headerTooLarge(let headerLength, let limit):
            return "safetensors header length is \(headerLength) bytes, above the limit of \(limit): the file is corrupt"
        case .invalidHeader(let reason):
            return "safetensors header is not a valid JSON object: \(reason)"
        case .invalidEntry(let name, let reason):
            return "tensor '\(name)': \(reason)"
        case .negativeShape(let name, let shape):
            return "tensor '\(name)' has shape \(shape) with a negative dimension"
        case .shapeTooLarge(let name, let shape):
            return "tensor '\(name)' has shape \(shape), whose size overflows Int"
        case .unknownDType(let name, let dtype):
            return "tensor '\(name)' has dtype '\(dtype)', which is not supported "
                + "(supported: \(SafeTensors.DType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .offsetsOutOfRange(let name, let begin, let end, let dataSize):
            return "tensor '\(name)' has data_offsets [\(begin), \(end)] outside the data section of "
                + "\(dataSize) bytes: the file is truncated or corrupt"
        case .offsetsReversed(let name, let begin, let end):
            return "tensor '\(name)' has data_offsets [\(begin), \(end)]: the end is before the beginning"
        case .overlappingTensors(let first, let second):
            return "tensors '\(first)' and '\(second)' have overlapping data_offsets"
        case .byteCountMismatch(let name, let byteCount, let expected):
            return "tensor '\(name)' has \(byteCount) bytes of data, but its shape and dtype need \(expected)"
        case .invalidMetadata(let key, let reason):
            if let key {
                return "safetensors metadata '\(key)': \(reason)"
            }
            return "safetensors __metadata__: \(reason)"
        case .tensorNotFound(let name):
            return "no tensor named '\(name)' in the safetensors file"
        case .wrongDType(let name, let dtype, let accessor):
            let hint = accessor == "floats" ? "use int64s()" : "use floats()"
            return "tensor '\(name)' has dtype \(dtype), which \(accessor)() cannot return: \(hint)"
        case .duplicateName(let name):
            return "a tensor named '\(name)' is already set: remove it first to replace it"
        case .reservedName(let name):
            return "'\(name)' cannot name a tensor: it is reserved for the file's metadata"
        case .valueCountMismatch(let name, let count, let shape, let expected):
            return "tensor '\(name)' was given \(count) values, but shape \(shape) holds \(expected)"
        case .io(let path, let message):
            return "\(path): \(message)"
        }
    }
}
