import Foundation

extension SafeTensors {
    /// Parses a safetensors file held in memory and validates everything up front: the header length,
    /// the JSON, every entry's dtype, shape and byte range, that no two tensors share bytes, and that the
    /// metadata is string to string. Tensors may appear in the data in any order; gaps between them are allowed.
    public init(data: Data) throws {
        guard data.count >= 8 else { throw SafeTensorsError.fileTooShort(byteCount: data.count) }
        var headerLength: UInt64 = 0
        for (shift, byte) in data.prefix(8).enumerated() {
            headerLength |= UInt64(byte) << UInt64(8 * shift)
        }
        let available = data.count - 8
        guard headerLength <= UInt64(available) else {
            throw SafeTensorsError.headerLengthOutOfRange(headerLength: headerLength, bytesAfterLength: available)
        }
        let headerStart = data.startIndex + 8
        let dataStart = headerStart + Int(headerLength)
        let header = data[headerStart..<dataStart]
        let body = data[dataStart..<data.endIndex]

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw SafeTensorsError.invalidHeader(Self.jsonMessage(error))
        }
        guard let object = json as? [String: Any] else {
            throw SafeTensorsError.invalidHeader("the top level is not an object")
        }

        var metadata: [String: String] = [:]
        if let rawMetadata = object[Self.metadataKey] {
            guard let dictionary = rawMetadata as? [String: Any] else {
                throw SafeTensorsError.invalidMetadata(key: nil, reason: "is not an object of strings")
            }
            for key in dictionary.keys.sorted() {
                guard let value = dictionary[key] as? String else {
                    throw SafeTensorsError.invalidMetadata(key: key, reason: "the value is not a string")
                }
                metadata[key] = value
            }
        }

        // Validate in name order so that a file with several problems always reports the same one.
        var tensors: [String: Stored] = [:]
        var ranges: [(name: String, begin: Int, end: Int)] = []
        for name in object.keys.sorted() where name != Self.metadataKey {
            let (entry, begin, end) = try Self.parseEntry(name, object[name] as Any, dataSize: body.count)
            tensors[name] = Stored(entry: entry, bytes: body[(body.startIndex + begin)..<(body.startIndex + end)])
            ranges.append((name, begin, end))
        }

        // Overlaps: sweep the non-empty ranges in order of their beginnings.
        let nonEmpty = ranges.filter { $0.begin < $0.end }.sorted {
            ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name)
        }
        var furthest: (name: String, end: Int)?
        for range in nonEmpty {
            if let previous = furthest, range.begin < previous.end {
                throw SafeTensorsError.overlappingTensors(previous.name, range.name)
            }
            if furthest.map({ range.end > $0.end }) ?? true {
                furthest = (range.name, range.end)
            }
        }

        self.metadata = metadata
        self.tensors = tensors
    }

    /// Checks one header entry and returns it with its byte range within the data section.
    private static func parseEntry(_ name: String, _ value: Any, dataSize: Int) throws -> (Entry, Int, Int) {
        guard let fields = value as? [String: Any] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry is not an object")
        }
        guard let rawDType = fields["dtype"] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry has no dtype")
        }
        guard let dtypeName = rawDType as? String else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "dtype is not a string")
        }
        guard let rawShape = fields["shape"] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry has no shape")
        }
        guard let shapeArray = rawShape as? [Any] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "shape is not an array")
        }
        guard let rawOffsets = fields["data_offsets"] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry has no data_offsets")
        }
        guard let offsetArray = rawOffsets as? [Any], offsetArray.count == 2 else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "data_offsets is not an array of two integers")
        }

        var shape: [Int] = []
        for dimension in shapeArray {
            guard let value = integer(dimension) else {
                throw SafeTensorsError.invalidEntry(name: name, reason: "shape holds \(describe(dimension)), not an integer")
            }
            shape.append(value)
        }
        var offsets: [Int] = []
        for offset in offsetArray {
            guard let value = integer(offset) else {
                throw SafeTensorsError.invalidEntry(name: name, reason: "data_offsets holds \(describe(offset)), not an integer")
            }
            offsets.append(value)
        }
        let (begin, end) = (offsets[0], offsets[1])

        guard let dtype = DType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(name: name, dtype: dtypeName)
        }
        let count = try elementCount(name, shape)
        guard begin >= 0, end >= 0, begin <= dataSize, end <= dataSize else {
            throw SafeTensorsError.offsetsOutOfRange(name: name, begin: begin, end: end, dataSize: dataSize)
        }
        guard begin <= end else {
            throw SafeTensorsError.offsetsReversed(name: name, begin: begin, end: end)
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw SafeTensorsError.shapeTooLarge(name: name, shape: shape) }
        guard end - begin == byteCount else {
            throw SafeTensorsError.byteCountMismatch(name: name, byteCount: end - begin, expected: byteCount)
        }
        return (Entry(name: name, dtype: dtype, shape: shape), begin, end)
    }

    /// A JSON integer that fits in `Int`; nil for booleans, fractions, exponents, strings and the like.
    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        // JSONSerialization gives booleans type "c" and numbers written with a fraction or exponent "d".
        switch String(cString: number.objCType) {
        case "s", "i", "l", "q", "S", "I", "L", "Q":
            return Int(exactly: number)
        default:
            return nil
        }
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case let string as String: return "\"\(string)\""
        case is NSNull: return "null"
        case let number as NSNumber:
            return String(cString: number.objCType) == "c" ? (number.boolValue ? "true" : "false") : "\(number)"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(value)"
        }
    }

    private static func jsonMessage(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String {
            return detail
        }
        return nsError.localizedDescription
    }
}
