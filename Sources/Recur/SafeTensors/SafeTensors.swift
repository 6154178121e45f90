import Foundation

/// A set of named tensors in the safetensors format, the format PyTorch's `safetensors` package reads
/// and writes: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
/// and byte range, then the raw little-endian row-major data.
///
/// Reading validates the whole file up front, so accessors only fail for a missing name or a dtype the
/// accessor cannot return. Writing stores floats as F32 and integers as I64.
public struct SafeTensors: Sendable {
    /// The element types this reader understands. `floats(_:)` reads the floating-point ones,
    /// `int64s(_:)` the integer ones (and BOOL as 0 and 1).
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
        case u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

        /// Bytes per element.
        public var byteSize: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32, .u32: return 4
            case .f16, .bf16, .i16, .u16: return 2
            case .i8, .u8, .bool: return 1
            }
        }

        /// Whether `floats(_:)` (rather than `int64s(_:)`) reads this dtype.
        public var isFloatingPoint: Bool {
            switch self {
            case .f32, .f64, .f16, .bf16: return true
            default: return false
            }
        }
    }

    /// A tensor's name, dtype and shape (an empty shape is a scalar holding one element).
    public struct Entry: Sendable, Equatable {
        /// The tensor's key in the file.
        public let name: String
        /// The element type as stored.
        public let dtype: DType
        /// Sizes of the axes, outermost first; empty for a scalar.
        public let shape: [Int]

        /// Memberwise.
        public init(name: String, dtype: DType, shape: [Int]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }
    }

    /// A tensor's description and its little-endian bytes (for a file read, a slice sharing the file's storage).
    struct Stored: Sendable {
        let entry: Entry
        let bytes: Data
    }

    /// String metadata, written as `__metadata__` when non-empty.
    public var metadata: [String: String]
    var tensors: [String: Stored]

    /// An empty set, for writing.
    public init() {
        metadata = [:]
        tensors = [:]
    }

    /// Reads a file's tensors, validating every header entry and byte range.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SafeTensorsError.io(path: url.path, message: Self.message(for: error))
        }
        try self.init(data: data)
    }

    /// The tensor names, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// The named tensor's dtype and shape.
    public func entry(_ name: String) throws -> Entry {
        try stored(name).entry
    }

    /// Whether the set has a tensor named `name`.
    public func contains(_ name: String) -> Bool {
        tensors[name] != nil
    }

    /// The named tensor's values in row-major order: F32 as stored, F64, F16 and BF16 converted.
    public func floats(_ name: String) throws -> [Float] {
        let tensor = try stored(name)
        guard tensor.entry.dtype.isFloatingPoint else {
            throw SafeTensorsError.wrongDType(name: name, dtype: tensor.entry.dtype.rawValue, accessor: "floats")
        }
        let count = tensor.bytes.count / tensor.entry.dtype.byteSize
        return tensor.bytes.withUnsafeBytes { raw -> [Float] in
            switch tensor.entry.dtype {
            case .f32:
                return (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            case .f64:
                return (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
            case .f16:
                return (0..<count).map { Self.float(fromHalf: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
            case .bf16:
                return (0..<count).map { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) << 16) }
            case .i64, .i32, .i16, .i8, .u32, .u16, .u8, .bool:
                return []  // excluded by the guard above
            }
        }
    }

    /// The named tensor's values in row-major order: I64 as stored, the other integer dtypes widened, BOOL as 0 and 1.
    public func int64s(_ name: String) throws -> [Int64] {
        let tensor = try stored(name)
        guard !tensor.entry.dtype.isFloatingPoint else {
            throw SafeTensorsError.wrongDType(name: name, dtype: tensor.entry.dtype.rawValue, accessor: "int64s")
        }
        let count = tensor.bytes.count / tensor.entry.dtype.byteSize
        return tensor.bytes.withUnsafeBytes { raw -> [Int64] in
            switch tensor.entry.dtype {
            case .i64:
                return (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            case .i32:
                return (0..<count).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            case .u32:
                return (0..<count).map { Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            case .i16:
                return (0..<count).map { Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) }
            case .u16:
                return (0..<count).map { Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
            case .i8:
                return (0..<count).map { Int64(raw.load(fromByteOffset: $0, as: Int8.self)) }
            case .u8:
                return (0..<count).map { Int64(raw[$0]) }
            case .bool:
                return (0..<count).map { raw[$0] == 0 ? 0 : 1 }
            case .f32, .f64, .f16, .bf16:
                return []  // excluded by the guard above
            }
        }
    }

    /// Adds a tensor stored as F32. Throws if the name is taken (remove it first) or the count does not match the shape.
    public mutating func set(_ name: String, floats values: [Float], shape: [Int]) throws {
        try checkNew(name, count: values.count, shape: shape)
        var bytes = Data(capacity: values.count * 4)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        tensors[name] = Stored(entry: Entry(name: name, dtype: .f32, shape: shape), bytes: bytes)
    }

    /// Adds a tensor stored as I64. Throws if the name is taken (remove it first) or the count does not match the shape.
    public mutating func set(_ name: String, int64s values: [Int64], shape: [Int]) throws {
        try checkNew(name, count: values.count, shape: shape)
        var bytes = Data(capacity: values.count * 8)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        tensors[name] = Stored(entry: Entry(name: name, dtype: .i64, shape: shape), bytes: bytes)
    }

    /// Removes the named tensor, if present.
    public mutating func remove(_ name: String) {
        tensors[name] = nil
    }

    // MARK: - Helpers

    func stored(_ name: String) throws -> Stored {
        guard let tensor = tensors[name] else { throw SafeTensorsError.tensorNotFound(name) }
        return tensor
    }

    private func checkNew(_ name: String, count: Int, shape: [Int]) throws {
        guard name != Self.metadataKey else { throw SafeTensorsError.reservedName(name) }
        guard tensors[name] == nil else { throw SafeTensorsError.duplicateName(name) }
        let expected = try Self.elementCount(name, shape)
        guard count == expected else {
            throw SafeTensorsError.valueCountMismatch(name: name, count: count, shape: shape, expected: expected)
        }
    }

    static let metadataKey = "__metadata__"

    /// The product of `shape` (1 for a scalar), rejecting negative dimensions and overflow.
    static func elementCount(_ name: String, _ shape: [Int]) throws -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { throw SafeTensorsError.negativeShape(name: name, shape: shape) }
        }
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw SafeTensorsError.shapeTooLarge(name: name, shape: shape) }
            count = product
        }
        return count
    }

    /// IEEE 754 half precision to single precision, exact for every bit pattern (NaN payloads kept).
    static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0x1F:  // infinity or NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        case 0:  // zero or subnormal: mantissa * 2^-24
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    static func message(for error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
            return "\(nsError.localizedDescription) (\(underlying.localizedDescription))"
        }
        return nsError.localizedDescription
    }
}
