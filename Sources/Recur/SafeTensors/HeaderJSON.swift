/// The JSON of a safetensors header, parsed strictly (RFC 8259 and nothing more).
///
/// Foundation's JSONSerialization keeps the last of two equal keys and skips a byte-order mark, so
/// a header with a second `dtype` or a duplicated tensor reads as something other than what another
/// reader sees. This parser refuses both, and anything after the top-level object but the space
/// padding the format allows. Numbers are kept as their text: the reader decides what an integer is.
enum HeaderJSON: Equatable {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: HeaderJSON, rhs: HeaderJSON) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The value of `key` in an object (keys are unique once parsed).
    subscript(key: String) -> HeaderJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A JSON integer that fits in `Int`; nil for fractions, exponents, and anything not a number.
    var integer: Int? {
        guard case .number(let text) = self, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        return Int(text)
    }

    /// How a value reads in a message: strings quoted, numbers as written, containers by kind.
    var summary: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string(let text): return "\"\(text.prefix(40))\""
        case .number(let text): return String(text.prefix(40))
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }

    /// Parses the header's bytes: one object, then only spaces.
    static func parseHeader(_ bytes: [UInt8]) throws -> HeaderJSON {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw SafeTensorsError.invalidHeader("it starts with a byte-order mark; the JSON must start with {")
        }
        var parser = HeaderJSONParser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.peek == UInt8(ascii: "{") else {
            throw SafeTensorsError.invalidHeader("the top level is not an object")
        }
        let value = try parser.value(depth: 0)
        if let junk = parser.bytes[parser.index...].firstIndex(where: { $0 != UInt8(ascii: " ") }) {
            throw SafeTensorsError.invalidHeader(
                "byte \(junk) follows the JSON object: only space padding may follow it")
        }
        return value
    }
}

/// A recursive-descent parser over the header's bytes; every error names the byte offset.
private struct HeaderJSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func fail(_ reason: String) -> SafeTensorsError {
        SafeTensorsError.invalidHeader("\(reason) at byte \(index)")
    }

    mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func expect(_ literal: String) throws {
        for byte in literal.utf8 {
            guard peek == byte else { throw fail("expected \(literal)") }
            index += 1
        }
    }

    mutating func value(depth: Int) throws -> HeaderJSON {
        guard depth < Limits.maxHeaderDepth else { throw fail("the JSON nests deeper than \(Limits.maxHeaderDepth) levels") }
        skipWhitespace()
        guard let byte = peek else { throw fail("the JSON ends early") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character \(Self.describe(byte))")
        }
    }

    mutating func object(depth: Int) throws -> HeaderJSON {
        index += 1  // {
        var members: [(key: String, value: HeaderJSON)] = []
        var seen: Set<String> = []
        skipWhitespace()
        if peek == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyStart = index
            let key = try string()
            guard seen.insert(key).inserted else {
                throw SafeTensorsError.invalidHeader("the key \"\(key.prefix(60))\" appears twice in one object (byte \(keyStart))")
            }
            skipWhitespace()
            try expect(":")
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            guard let next = peek else { throw fail("the JSON ends inside an object") }
            index += 1
            if next == UInt8(ascii: "}") { return .object(members) }
            guard next == UInt8(ascii: ",") else { index -= 1; throw fail("expected , or } in an object") }
        }
    }

    mutating func array(depth: Int) throws -> HeaderJSON {
        index += 1  // [
        var elements: [HeaderJSON] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            guard let next = peek else { throw fail("the JSON ends inside an array") }
            index += 1
            if next == UInt8(ascii: "]") { return .array(elements) }
            guard next == UInt8(ascii: ",") else { index -= 1; throw fail("expected , or ] in an array") }
        }
    }

    /// A string literal: escapes decoded, control characters and lone surrogates refused, UTF-8 checked.
    mutating func string() throws -> String {
        index += 1  // "
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []  // unescaped bytes, validated as UTF-8 when the run ends
        func flush() throws {
            guard !run.isEmpty else { return }
            guard let text = String(validating: run, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
            scalars.append(contentsOf: text.unicodeScalars)
            run.removeAll(keepingCapacity: true)
        }
        while true {
            guard let byte = peek else { throw fail("the JSON ends inside a string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                try flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flush()
                scalars.append(try escape())
            case 0..<0x20:
                index -= 1
                throw fail("a string holds the control character \(Self.describe(byte)) unescaped")
            default:
                run.append(byte)
            }
        }
    }

    mutating func escape() throws -> Unicode.Scalar {
        guard let byte = peek else { throw fail("the JSON ends inside an escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4()
            if (0xDC00...0xDFFF).contains(high) { throw fail("a \\u escape is a lone low surrogate") }
            guard (0xD800...0xDBFF).contains(high) else { return Unicode.Scalar(high)! }
            guard peek == UInt8(ascii: "\\") else { throw fail("a \\u escape is a lone high surrogate") }
            index += 1
            guard peek == UInt8(ascii: "u") else { throw fail("a \\u escape is a lone high surrogate") }
            index += 1
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("a high surrogate is not followed by a low one") }
            // Both halves are in range, so the scalar is in U+10000...U+10FFFF.
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        default:
            index -= 1
            throw fail("\\\(Self.describe(byte)) is not a JSON escape")
        }
    }

    mutating func hex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek, let digit = Self.hexDigit(byte) else { throw fail("a \\u escape needs four hex digits") }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, returned as written.
    mutating func number() throws -> String {
        let start = index
        func digits() -> Int {
            let first = index
            while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
            return index - first
        }
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits() > 0 else { throw fail("a number has no digits") }
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("a number has no digits after its point") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("a number has no digits in its exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16, uppercase: true)
    }
}
