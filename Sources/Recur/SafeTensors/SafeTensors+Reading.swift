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

        guard headerLength <= UInt64(Limits.maxHeaderBytes) else {
            throw SafeTensorsError.headerTooLarge(headerLength: headerLength, limit: Limits.maxHeaderBytes)
        }
        let json = try HeaderJSON.parseHeader(Array(header))
        guard case .object(let members) = json else {
            throw SafeTensorsError.invalidHeader("the top level is not an object")
        }

        var metadata: [String: String] = [:]
        if let rawMetadata = json[Self.metadataKey] {
            guard case .object(let pairs) = rawMetadata else {
                throw SafeTensorsError.invalidMetadata(key: nil, reason: "is not an object of strings")
            }
            for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
                guard case .string(let text) = value else {
                    throw SafeTensorsError.invalidMetadata(key: key, reason: "the value is \(value.summary), not a string")
                }
                metadata[key] = text
            }
        }

        // Validate in name order so that a file with several problems always reports the same one.
        var tensors: [String: Stored] = [:]
        var ranges: [(name: String, begin: Int, end: Int)] = []
        for (name, value) in members.sorted(by: { $0.key < $1.key }) where name != Self.metadataKey {
            let (entry, begin, end) = try Self.parseEntry(name, value, dataSize: body.count)
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

    /// The fields a header entry has, and no others.
    private static let entryFields: Set<String> = ["dtype", "shape", "data_offsets"]

    /// Checks one header entry and returns it with its byte range within the data section.
    private static func parseEntry(_ name: String, _ value: HeaderJSON, dataSize: Int) throws -> (Entry, Int, Int) {
        guard case .object(let fields) = value else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry is not an object")
        }
        if let unknown = fields.first(where: { !entryFields.contains($0.key) }) {
            throw SafeTensorsError.invalidEntry(
                name: name, reason: "the header entry has a field \"\(unknown.key.prefix(60))\" (only dtype, shape and data_offsets belong there)")
        }
        guard let rawDType = value["dtype"] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry has no dtype")
        }
        guard case .string(let dtypeName) = rawDType else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "dtype is not a string")
        }
        guard let rawShape = value["shape"] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry has no shape")
        }
        guard case .array(let shapeArray) = rawShape else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "shape is not an array")
        }
        guard let rawOffsets = value["data_offsets"] else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "the header entry has no data_offsets")
        }
        guard case .array(let offsetArray) = rawOffsets, offsetArray.count == 2 else {
            throw SafeTensorsError.invalidEntry(name: name, reason: "data_offsets is not an array of two integers")
        }

        var shape: [Int] = []
        for dimension in shapeArray {
            guard let value = dimension.integer else {
                throw SafeTensorsError.invalidEntry(name: name, reason: "shape holds \(dimension.summary), not an integer")
            }
            shape.append(value)
        }
        var offsets: [Int] = []
        for offset in offsetArray {
            guard let value = offset.integer else {
                throw SafeTensorsError.invalidEntry(name: name, reason: "data_offsets holds \(offset.summary), not an integer")
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
}
