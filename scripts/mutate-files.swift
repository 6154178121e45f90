// Writes seeded mutations of safetensors files for scripts/mutate-files, which runs each through the
// command lines. Standalone (Foundation only), so that it builds with swiftc without the package.
//
// usage: mutate-files <seed> <count> <output directory> <file>...
// Writes <output directory>/<index>.safetensors and prints "<index>\t<source>\t<kind>" per mutant.
import Foundation

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 5, let seed = UInt64(arguments[1]), let count = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: mutate-files <seed> <count> <output directory> <file>...\n".utf8))
    exit(2)
}
let output = URL(fileURLWithPath: arguments[3])
let sources = arguments[4...].map { ($0, try! [UInt8](Data(contentsOf: URL(fileURLWithPath: $0)))) }
var random = SplitMix64(state: seed)

let kinds = ["bit flips", "header bit flips", "truncation", "header text edit", "metadata value", "shape edit", "value edit"]
let values = ["0", "-1", "1", "2", "2147483648", "4611686018427387904", "9223372036854775807", "99999999999999999999",
              "100000", "3000", "1e3", "1.5", "abc", "", " 7", "NaN", "true"]

func headerEnd(_ bytes: [UInt8]) -> Int {
    8 + Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
}

func file(header: [UInt8], body: ArraySlice<UInt8>) -> [UInt8] {
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header + body
}

/// The header as a dictionary (the originals are valid), edited, and written back.
func editHeader(_ bytes: [UInt8], _ edit: (inout [String: Any]) -> Void) -> [UInt8] {
    let end = headerEnd(bytes)
    guard var header = (try? JSONSerialization.jsonObject(with: Data(bytes[8..<end]))) as? [String: Any] else { return bytes }
    edit(&header)
    guard let json = try? JSONSerialization.data(withJSONObject: header) else { return bytes }
    return file(header: Array(json), body: bytes[end...])
}

/// One number after a ':' in a JSON text replaced (a size in the stored model, the batch in the settings).
func replacingANumber(in json: String, with value: String) -> String {
    let scalars = Array(json.unicodeScalars)
    var spans: [Range<Int>] = []
    var index = 1
    while index < scalars.count {
        if scalars[index - 1] == ":", scalars[index] == "-" || scalars[index].properties.numericType != nil {
            let start = index
            index += 1
            while index < scalars.count, scalars[index].properties.numericType != nil || ".eE+-".unicodeScalars.contains(scalars[index]) { index += 1 }
            spans.append(start..<index)
        }
        index += 1
    }
    guard !spans.isEmpty else { return value }
    let span = spans[random.below(spans.count)]
    var result = String.UnicodeScalarView(scalars[..<span.lowerBound])
    result.append(contentsOf: value.unicodeScalars)
    result.append(contentsOf: scalars[span.upperBound...])
    return String(result)
}

func mutate(_ bytes: [UInt8], kind: String) -> [UInt8] {
    let end = min(headerEnd(bytes), bytes.count)
    var out = bytes
    switch kind {
    case "bit flips", "header bit flips":
        let limit = kind == "bit flips" ? bytes.count : end
        for _ in 0...random.below(3) { out[random.below(limit)] ^= UInt8(1) << UInt8(random.below(8)) }
    case "truncation":
        out = Array(bytes.prefix(random.below(bytes.count)))
    case "header text edit":
        var header = Array(bytes[8..<end])
        let position = random.below(header.count)
        switch random.below(6) {
        case 0: header.insert(contentsOf: Array(#""dtype":"I64","#.utf8), at: position)
        case 1: header.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0)
        case 2: header += Array("x}".utf8)
        case 3: header.remove(at: position)
        case 4: header.insert(Array(#"{}[],:"0-9e."#.utf8)[random.below(12)], at: position)
        default: header.insert(contentsOf: Array(#""__metadata__":{"a":1},"#.utf8), at: 1)
        }
        out = file(header: header, body: bytes[end...])
    case "metadata value":
        out = editHeader(bytes) { header in
            guard var metadata = header["__metadata__"] as? [String: String], !metadata.isEmpty else { return }
            let keys = metadata.keys.sorted()
            let key = keys[random.below(keys.count)]
            let value = values[random.below(values.count)]
            if let old = metadata[key], old.hasPrefix("{") {
                metadata[key] = replacingANumber(in: old, with: value)
            } else {
                metadata[key] = value
            }
            header["__metadata__"] = metadata
        }
    case "shape edit":
        out = editHeader(bytes) { header in
            let names = header.keys.filter { $0 != "__metadata__" }.sorted()
            guard !names.isEmpty else { return }
            let name = names[random.below(names.count)]
            guard var entry = header[name] as? [String: Any] else { return }
            let shapes: [[Int]] = [[], [0], [1], [2], [0, 2], [1 << 31], [-1, 3], [Int.max, 2], [2, 2, 2, 2]]
            entry["shape"] = shapes[random.below(shapes.count)]
            header[name] = entry
        }
    default:  // "value edit": one element of a tensor set to NaN, an infinity, or an out-of-range index
        guard let header = (try? JSONSerialization.jsonObject(with: Data(bytes[8..<end]))) as? [String: Any] else { break }
        let names = header.keys.filter { $0 != "__metadata__" }.sorted()
        guard !names.isEmpty, let entry = header[names[random.below(names.count)]] as? [String: Any],
              let dtype = entry["dtype"] as? String, let offsets = entry["data_offsets"] as? [Int], offsets[1] > offsets[0] else { break }
        let size = dtype == "I64" ? 8 : 4
        let element = end + offsets[0] + size * random.below((offsets[1] - offsets[0]) / size)
        let replacement: [UInt8] = dtype == "I64"
            ? withUnsafeBytes(of: [Int64(1) << 31, -1, Int64.max][random.below(3)].littleEndian) { Array($0) }
            : withUnsafeBytes(of: [Float.nan, .infinity, -.infinity][random.below(3)].bitPattern.littleEndian) { Array($0) }
        out.replaceSubrange(element..<element + size, with: replacement)
    }
    return out
}

try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
for index in 0..<count {
    let (path, bytes) = sources[random.below(sources.count)]
    let kind = kinds[random.below(kinds.count)]
    let mutant = mutate(bytes, kind: kind)
    try Data(mutant).write(to: output.appendingPathComponent("\(index).safetensors"))
    print("\(index)\t\(path)\t\(kind)")
}
