import Foundation
import Recur

/// Seeded mutations of a safetensors file, each named by its kind: what corruption, a careless
/// edit or a hostile file would do to the bytes, the header's JSON and its metadata values.
enum Mutator {
    static let kinds = ["bit flips", "header bit flips", "truncation", "header text edit", "metadata value", "shape edit", "value edit"]

    /// Values a careless or hostile edit puts where a size or a step should be.
    static let values = ["0", "-1", "1", "2147483648", "4611686018427387904", "9223372036854775807", "99999999999999999999",
                         "100000", "3000", "1e3", "1.5", "abc", "", " 7", "NaN", "-9223372036854775808", "true"]

    static func mutate(_ data: Data, _ random: inout SeededGenerator) -> (kind: String, data: Data) {
        let kind = kinds[Int(random.next() % UInt64(kinds.count))]
        let bytes = [UInt8](data)
        let headerEnd = 8 + Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        func pick(_ range: Range<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(max(1, range.count))) }
        var out = bytes
        switch kind {
        case "bit flips", "header bit flips":
            let range = kind == "bit flips" ? 0..<bytes.count : 0..<headerEnd
            for _ in 0..<(1 + Int(random.next() % 3)) {
                out[pick(range)] ^= UInt8(1) << UInt8(random.next() % 8)
            }
        case "truncation":
            out = Array(bytes.prefix(pick(0..<bytes.count)))
        case "header text edit":
            out = headerText(bytes, headerEnd: headerEnd, &random)
        case "metadata value":
            guard var file = try? SafeTensors(data: data), !file.metadata.isEmpty else { break }
            let keys = file.metadata.keys.sorted()
            let key = keys[pick(0..<keys.count)]
            let value = values[pick(0..<values.count)]
            if key == "model" || key == "train", let json = file.metadata[key] {
                // A number inside the stored JSON replaced.
                file.metadata[key] = replacingANumber(in: json, with: value, &random)
            } else {
                file.metadata[key] = value
            }
            out = (try? [UInt8](file.serialized())) ?? bytes
        case "shape edit":
            guard let file = try? SafeTensors(data: data), !file.names.isEmpty else { break }
            let name = file.names[pick(0..<file.names.count)]
            let shapes: [[Int]] = [[], [0], [1], [2], [0, 2], [1 << 31], [-1, 3], [Int.max, 2], [2, 2, 2, 2]]
            out = replacingShape(bytes, headerEnd: headerEnd, of: name, with: shapes[pick(0..<shapes.count)])
        default:  // "value edit": a tensor element set to NaN, an infinity, or a huge or negative index
            guard var file = try? SafeTensors(data: data), !file.names.isEmpty else { break }
            let name = file.names[pick(0..<file.names.count)]
            guard let entry = try? file.entry(name) else { break }
            if entry.dtype.isFloatingPoint, var floats = try? file.floats(name), !floats.isEmpty {
                floats[pick(0..<floats.count)] = [Float.nan, .infinity, -.infinity, 1e30][pick(0..<4)]
                file.remove(name)
                try? file.set(name, floats: floats, shape: entry.shape)
            } else if var ints = try? file.int64s(name), !ints.isEmpty {
                ints[pick(0..<ints.count)] = [Int64(1) << 31, -1, Int64.max, Int64.min, 0][pick(0..<5)]
                file.remove(name)
                try? file.set(name, int64s: ints, shape: entry.shape)
            }
            out = (try? [UInt8](file.serialized())) ?? bytes
        }
        return (kind, Data(out))
    }

    /// The header's JSON edited as text: a key duplicated, a BOM, junk after it, a character dropped or inserted.
    static func headerText(_ bytes: [UInt8], headerEnd: Int, _ random: inout SeededGenerator) -> [UInt8] {
        var header = Array(bytes[8..<min(headerEnd, bytes.count)])
        let body = Array(bytes[min(headerEnd, bytes.count)...])
        let position = Int(random.next() % UInt64(max(1, header.count)))
        switch random.next() % 6 {
        case 0: header.insert(contentsOf: Array(#""dtype":"I64","#.utf8), at: min(position, header.count))
        case 1: header.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0)
        case 2: header += Array("x}".utf8)
        case 3: if !header.isEmpty { header.remove(at: position) }
        case 4: header.insert(Array(#"{}[],:"0-9e."#.utf8)[Int(random.next() % 12)], at: min(position, header.count))
        default: header.insert(contentsOf: Array(#""__metadata__":{"a":1},"#.utf8), at: min(1, header.count))
        }
        return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header + body
    }

    /// One number of a JSON text replaced by `value` (a size in the stored model, a batch in the settings).
    static func replacingANumber(in json: String, with value: String, _ random: inout SeededGenerator) -> String {
        let scalars = Array(json.unicodeScalars)
        var numbers: [Range<Int>] = []
        var index = 0
        while index < scalars.count {
            if scalars[index].properties.numericType != nil || scalars[index] == "-" {
                let start = index
                while index < scalars.count, scalars[index].properties.numericType != nil || "-.eE".unicodeScalars.contains(scalars[index]) { index += 1 }
                if index > start, scalars[start - 1 < 0 ? start : start - 1] == ":" { numbers.append(start..<index) }
            }
            index += 1
        }
        guard !numbers.isEmpty else { return value }
        let range = numbers[Int(random.next() % UInt64(numbers.count))]
        var result = String.UnicodeScalarView(scalars[..<range.lowerBound])
        result.append(contentsOf: value.unicodeScalars)
        result.append(contentsOf: scalars[range.upperBound...])
        return String(result)
    }

    /// The shape of `name` in the header text replaced, offsets kept (so the byte count disagrees, or not).
    static func replacingShape(_ bytes: [UInt8], headerEnd: Int, of name: String, with shape: [Int]) -> [UInt8] {
        guard headerEnd <= bytes.count,
              var object = (try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))) as? [String: Any],
              var entry = object[name] as? [String: Any] else { return bytes }
        entry["shape"] = shape
        object[name] = entry
        guard let header = try? JSONSerialization.data(withJSONObject: object) else { return bytes }
        return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + Array(header) + Array(bytes[headerEnd...])
    }
}
