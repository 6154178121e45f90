import Foundation
import Recur
import Testing

// MARK: - Helpers

/// A safetensors file from a header written by hand, padded with `padding` spaces, and raw data bytes.
private func handBuilt(_ header: String, padding: Int = 0, _ body: [UInt8] = []) -> Data {
    let headerBytes = Array(header.utf8) + Array(repeating: UInt8(ascii: " "), count: padding)
    return lengthPrefix(UInt64(headerBytes.count)) + Data(headerBytes) + Data(body)
}

private func lengthPrefix(_ length: UInt64) -> Data {
    withUnsafeBytes(of: length.littleEndian) { Data($0) }
}

private func bytes<T>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value) { Array($0) } }  // the tests run on little-endian hosts
}

/// Expects `body` to throw a `SafeTensorsError` for which `matches` holds.
private func expectError(
    _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (SafeTensorsError) -> Bool
) {
    do {
        try body()
        Issue.record("expected a SafeTensorsError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SafeTensorsError {
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        #expect(!error.description.isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a SafeTensorsError, got \(error)", sourceLocation: sourceLocation)
    }
}

private func parse(_ data: Data) throws { _ = try SafeTensors(data: data) }

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func sample() throws -> SafeTensors {
    var file = SafeTensors()
    try file.set("weight", floats: [1, -2.5, 3.25, 0, -0.0, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude], shape: [2, 4])
    try file.set("bias", floats: [0.5, 0.25], shape: [2])
    try file.set("lengths", int64s: [3, .max, .min, 0], shape: [4])
    try file.set("scale", floats: [7], shape: [])
    try file.set("step", int64s: [42], shape: [])
    try file.set("empty", floats: [], shape: [0, 3])
    try file.set("none", int64s: [], shape: [0])
    file.metadata = ["mode": "LSTM", "quote\"and\\slash": "line\nbreak\ttab \u{1} é ∑ 🙂", "": "empty key"]
    return file
}

// MARK: - Round trips

@Test func roundTripKeepsValuesShapesAndMetadata() throws {
    let original = try sample()
    let read = try SafeTensors(data: try original.serialized())
    #expect(read.names == ["bias", "empty", "lengths", "none", "scale", "step", "weight"])
    #expect(read.metadata == original.metadata)
    #expect(try read.entry("weight") == SafeTensors.Entry(name: "weight", dtype: .f32, shape: [2, 4]))
    #expect(try read.floats("weight").map(\.bitPattern) == original.floats("weight").map(\.bitPattern))
    #expect(try read.floats("bias") == [0.5, 0.25])
    #expect(try read.entry("lengths").dtype == .i64)
    #expect(try read.int64s("lengths") == [3, .max, .min, 0])
    #expect(try read.entry("scale").shape == [])
    #expect(try read.floats("scale") == [7])
    #expect(try read.int64s("step") == [42])
    #expect(try read.entry("empty").shape == [0, 3])
    #expect(try read.floats("empty") == [])
    #expect(try read.int64s("none") == [])
    #expect(read.contains("bias") && !read.contains("missing"))
    // Serializing again gives the same bytes.
    #expect(try read.serialized() == original.serialized())
}

@Test func roundTripKeepsNaNBits() throws {
    var file = SafeTensors()
    let nan = Float(bitPattern: 0x7FC0_1234)
    try file.set("x", floats: [nan, -.nan], shape: [2])
    let read = try SafeTensors(data: file.serialized())
    #expect(try read.floats("x").map(\.bitPattern) == [nan.bitPattern, (-Float.nan).bitPattern])
}

@Test func serializedLayoutIsPaddedSortedAndContiguous() throws {
    let data = try sample().serialized()
    let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
    #expect(headerLength % 8 == 0)
    let header = try #require(String(data: data[8..<(8 + Int(headerLength))], encoding: .utf8))
    #expect(header.hasPrefix("{\"__metadata__\":"))
    let json = try #require(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
    var end = 0
    for name in ["bias", "empty", "lengths", "none", "scale", "step", "weight"] {
        let entry = try #require(json[name] as? [String: Any])
        let offsets = try #require(entry["data_offsets"] as? [Int])
        #expect(offsets[0] == end, "\(name) starts where the previous tensor ends")
        end = offsets[1]
    }
    #expect(8 + Int(headerLength) + end == data.count)
    // The header's own text is in sorted-name order too.
    let positions = ["bias", "empty", "lengths", "none", "scale", "step", "weight"].compactMap { header.range(of: "\"\($0)\":")?.lowerBound }
    #expect(positions == positions.sorted() && positions.count == 7)
}

@Test func metadataIsOmittedWhenEmpty() throws {
    var file = SafeTensors()
    try file.set("a", floats: [1], shape: [1])
    let data = try file.serialized()
    #expect(String(decoding: data, as: UTF8.self).contains("__metadata__") == false)
    #expect(try SafeTensors(data: data).metadata == [:])
    // An empty set is a valid file too.
    let empty = try SafeTensors(data: SafeTensors().serialized())
    #expect(empty.names.isEmpty)
}

@Test func removeDropsTheTensorAndFreesTheName() throws {
    var file = try sample()
    file.remove("bias")
    file.remove("never-there")
    #expect(!file.contains("bias"))
    try file.set("bias", floats: [1, 2, 3], shape: [3])
    #expect(try SafeTensors(data: file.serialized()).floats("bias") == [1, 2, 3])
}

// MARK: - Reading hand-built files

@Test func readsTensorsInAnyOrderWithPaddedHeader() throws {
    // "z" comes first in the data, "a" last, "m" in the middle; the JSON keys are in yet another order.
    let header = """
        {"m": {"dtype": "I64", "shape": [2], "data_offsets": [8, 24]},
         "__metadata__": {"format": "pt", "note": "hand built"},
         "a": {"dtype": "F32", "shape": [1, 2], "data_offsets": [24, 32]},
         "z": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
        """
    let body = bytes([Float(1.5), Float(-2)]) + bytes([Int64(-7), Int64(9)]) + bytes([Float(3), Float(4)])
    let file = try SafeTensors(data: handBuilt(header, padding: 5, body))
    #expect(file.names == ["a", "m", "z"])
    #expect(file.metadata == ["format": "pt", "note": "hand built"])
    #expect(try file.floats("z") == [1.5, -2])
    #expect(try file.int64s("m") == [-7, 9])
    #expect(try file.floats("a") == [3, 4])
    #expect(try file.entry("a").shape == [1, 2])
}

@Test func readsFromADataSlice() throws {
    let data = try sample().serialized()
    let shifted = (Data([0xAA, 0xBB, 0xCC]) + data).dropFirst(3)
    #expect(shifted.startIndex == 3)
    #expect(try SafeTensors(data: shifted).int64s("lengths") == [3, .max, .min, 0])
}

@Test func emptyTensorsMaySitAnywhere() throws {
    let header = """
        {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
         "e1": {"dtype": "F32", "shape": [0], "data_offsets": [2, 2]},
         "e2": {"dtype": "I64", "shape": [3, 0], "data_offsets": [4, 4]}}
        """
    let file = try SafeTensors(data: handBuilt(header, bytes([Float(1)])))
    #expect(try file.floats("e1") == [] && file.int64s("e2") == [] && file.floats("a") == [1])
}

@Test func convertsOtherFloatDTypes() throws {
    let f64: [Double] = [1.5, -2.25, 1e-3, 3.4e38]
    let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0xFC00, 0x3555]
    let bf16: [UInt16] = [0x3F80, 0xC020, 0x7F80, 0x0000, 0x4049]
    let header = """
        {"d": {"dtype": "F64", "shape": [4], "data_offsets": [0, 32]},
         "h": {"dtype": "F16", "shape": [2, 4], "data_offsets": [32, 48]},
         "b": {"dtype": "BF16", "shape": [5], "data_offsets": [48, 58]}}
        """
    let file = try SafeTensors(data: handBuilt(header, bytes(f64) + bytes(f16) + bytes(bf16)))
    #expect(try file.floats("d") == f64.map(Float.init))
    let halves = try file.floats("h")
    #expect(Array(halves[0..<4]) == [1, -2, 65504, Float(sign: .plus, exponent: -24, significand: 1)])
    #expect(halves[4] == 0 && halves[4].sign == .minus)
    #expect(halves[5] == .infinity && halves[6] == -.infinity)
    #expect(abs(halves[7] - 1.0 / 3.0) < 1e-3)
    #expect(try file.floats("b") == [1, -2.5, .infinity, 0, 3.140625])
    #expect(try file.entry("h").dtype == .f16)
}

#if !(os(macOS) && arch(x86_64))
@Test func halfConversionMatchesFloat16ForEveryBitPattern() throws {
    let patterns = (0...UInt16.max).map { $0 }
    let header = #"{"h": {"dtype": "F16", "shape": [65536], "data_offsets": [0, 131072]}}"#
    let converted = try SafeTensors(data: handBuilt(header, bytes(patterns))).floats("h")
    for (bits, value) in zip(patterns, converted) {
        let expected = Float(Float16(bitPattern: bits))
        if expected.isNaN {
            #expect(value.isNaN, "F16 \(bits)")
        } else if value.bitPattern != expected.bitPattern {
            Issue.record("F16 \(bits): got \(value), expected \(expected)")
        }
    }
}
#endif

@Test func convertsOtherIntegerDTypes() throws {
    let header = """
        {"i32": {"dtype": "I32", "shape": [3], "data_offsets": [0, 12]},
         "i16": {"dtype": "I16", "shape": [2], "data_offsets": [12, 16]},
         "u32": {"dtype": "U32", "shape": [1], "data_offsets": [16, 20]},
         "u16": {"dtype": "U16", "shape": [1], "data_offsets": [20, 22]},
         "i8": {"dtype": "I8", "shape": [2], "data_offsets": [22, 24]},
         "u8": {"dtype": "U8", "shape": [2], "data_offsets": [24, 26]},
         "bool": {"dtype": "BOOL", "shape": [3], "data_offsets": [26, 29]}}
        """
    let body = bytes([Int32(-5), .max, .min]) + bytes([Int16(-300), 300]) + bytes([UInt32.max]) + bytes([UInt16.max])
        + bytes([Int8(-128), 127]) + [200, 7] + [0, 1, 2]
    let file = try SafeTensors(data: handBuilt(header, body))
    #expect(try file.int64s("i32") == [-5, Int64(Int32.max), Int64(Int32.min)])
    #expect(try file.int64s("i16") == [-300, 300])
    #expect(try file.int64s("u32") == [Int64(UInt32.max)])
    #expect(try file.int64s("u16") == [65535])
    #expect(try file.int64s("i8") == [-128, 127])
    #expect(try file.int64s("u8") == [200, 7])
    #expect(try file.int64s("bool") == [0, 1, 1])
    #expect(try file.entry("i32").dtype == .i32)
}

@Test func acceptsGapsAndTrailingBytes() throws {
    let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
    let file = try SafeTensors(data: handBuilt(header, [9, 9, 9, 9] + bytes([Float(2)]) + [1, 2, 3]))
    #expect(try file.floats("a") == [2])
}

// MARK: - Accessor errors

@Test func accessorErrors() throws {
    let file = try SafeTensors(data: sample().serialized())
    expectError({ _ = try file.floats("missing") }) { $0 == .tensorNotFound("missing") }
    expectError({ _ = try file.int64s("missing") }) { $0 == .tensorNotFound("missing") }
    expectError({ _ = try file.entry("missing") }) { $0 == .tensorNotFound("missing") }
    expectError({ _ = try file.floats("lengths") }) { $0 == .wrongDType(name: "lengths", dtype: "I64", accessor: "floats") }
    expectError({ _ = try file.int64s("weight") }) { $0 == .wrongDType(name: "weight", dtype: "F32", accessor: "int64s") }
}

// MARK: - Malformed files

@Test func rejectsTooShortFiles() {
    for count in 0..<8 {
        expectError({ try parse(Data(repeating: 0, count: count)) }) { $0 == .fileTooShort(byteCount: count) }
    }
}

@Test func rejectsHeaderLengthPastTheEnd() {
    expectError({ try parse(lengthPrefix(100) + Data("{}".utf8)) }) {
        $0 == .headerLengthOutOfRange(headerLength: 100, bytesAfterLength: 2)
    }
    expectError({ try parse(lengthPrefix(.max)) }) { $0 == .headerLengthOutOfRange(headerLength: .max, bytesAfterLength: 0) }
    expectError({ try parse(lengthPrefix(UInt64(Int.max) + 1) + Data(count: 16)) }) {
        $0 == .headerLengthOutOfRange(headerLength: UInt64(Int.max) + 1, bytesAfterLength: 16)
    }
}

@Test func rejectsHeadersThatAreNotJSONObjects() {
    let cases: [Data] = [
        lengthPrefix(0),
        handBuilt("not json"),
        handBuilt("[1, 2]"),
        handBuilt("\"text\""),
        handBuilt("{\"a\": "),
        handBuilt("{}}"),
        lengthPrefix(4) + Data([0x7B, 0x22, 0xFF, 0x7D]),  // invalid UTF-8
        handBuilt(String(repeating: "[", count: 100_000)),
    ]
    for data in cases {
        expectError({ try parse(data) }) { if case .invalidHeader = $0 { true } else { false } }
    }
}

@Test func rejectsMalformedEntries() {
    let cases: [(String, String)] = [
        (#""x": 5"#, "not an object"),
        (#""x": {"shape": [1], "data_offsets": [0, 4]}"#, "no dtype"),
        (#""x": {"dtype": "F32", "data_offsets": [0, 4]}"#, "no shape"),
        (#""x": {"dtype": "F32", "shape": [1]}"#, "no data_offsets"),
        (#""x": {"dtype": 7, "shape": [1], "data_offsets": [0, 4]}"#, "dtype is not a string"),
        (#""x": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}"#, "shape is not an array"),
        (#""x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}"#, "shape holds 1.5"),
        (#""x": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]}"#, "shape holds 1"),
        (#""x": {"dtype": "F32", "shape": [true], "data_offsets": [0, 4]}"#, "shape holds true"),
        (#""x": {"dtype": "F32", "shape": ["1"], "data_offsets": [0, 4]}"#, "shape holds \"1\""),
        (#""x": {"dtype": "F32", "shape": [null], "data_offsets": [0, 4]}"#, "shape holds null"),
        (#""x": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 4]}"#, "shape holds"),
        (#""x": {"dtype": "F32", "shape": [18446744073709551615], "data_offsets": [0, 4]}"#, "shape holds"),
        (#""x": {"dtype": "F32", "shape": [1], "data_offsets": [0]}"#, "two integers"),
        (#""x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}"#, "two integers"),
        (#""x": {"dtype": "F32", "shape": [1], "data_offsets": {"begin": 0}}"#, "two integers"),
        (#""x": {"dtype": "F32", "shape": [1], "data_offsets": [0, false]}"#, "data_offsets holds false"),
        (#""x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}"#, "data_offsets holds 4"),
    ]
    for (entry, reason) in cases {
        expectError({ try parse(handBuilt("{\(entry)}", [0, 0, 0, 0])) }) {
            if case .invalidEntry(name: "x", let message) = $0 { message.contains(reason) } else { false }
        }
    }
}

@Test func rejectsBadShapesAndDTypes() {
    expectError({ try parse(handBuilt(#"{"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]}}"#)) }) {
        $0 == .negativeShape(name: "w", shape: [2, -1])
    }
    expectError({ try parse(handBuilt(#"{"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}"#, [0])) }) {
        $0 == .unknownDType(name: "w", dtype: "F8_E4M3")
    }
    expectError({ try parse(handBuilt(#"{"w": {"dtype": "f32", "shape": [1], "data_offsets": [0, 4]}}"#, [0, 0, 0, 0])) }) {
        $0 == .unknownDType(name: "w", dtype: "f32")
    }
    let big = Int.max / 2 + 1
    expectError({ try parse(handBuilt(#"{"w": {"dtype": "U8", "shape": [\#(big), 4], "data_offsets": [0, 0]}}"#)) }) {
        $0 == .shapeTooLarge(name: "w", shape: [big, 4])
    }
    // The element count fits, the byte count does not.
    expectError({ try parse(handBuilt(#"{"w": {"dtype": "F64", "shape": [\#(big)], "data_offsets": [0, 0]}}"#)) }) {
        $0 == .shapeTooLarge(name: "w", shape: [big])
    }
}

@Test func rejectsBadOffsets() {
    let data = [UInt8](repeating: 0, count: 16)
    func file(_ offsets: String, shape: String = "[1]") -> Data {
        handBuilt(#"{"a": {"dtype": "F32", "shape": \#(shape), "data_offsets": \#(offsets)}}"#, data)
    }
    expectError({ try parse(file("[16, 20]")) }) { $0 == .offsetsOutOfRange(name: "a", begin: 16, end: 20, dataSize: 16) }
    expectError({ try parse(file("[-4, 0]")) }) { $0 == .offsetsOutOfRange(name: "a", begin: -4, end: 0, dataSize: 16) }
    expectError({ try parse(file("[8, 4]")) }) { $0 == .offsetsReversed(name: "a", begin: 8, end: 4) }
    expectError({ try parse(file("[0, 8]")) }) { $0 == .byteCountMismatch(name: "a", byteCount: 8, expected: 4) }
    expectError({ try parse(file("[0, 8]", shape: "[]")) }) { $0 == .byteCountMismatch(name: "a", byteCount: 8, expected: 4) }
    expectError({ try parse(file("[4, 4]", shape: "[]")) }) { $0 == .byteCountMismatch(name: "a", byteCount: 0, expected: 4) }
}

@Test func rejectsOverlappingTensors() {
    let header = """
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},
         "c": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
        """
    expectError({ try parse(handBuilt(header, Array(repeating: 0, count: 12))) }) { $0 == .overlappingTensors("a", "c") }
    // A tensor nested inside a longer one.
    let nested = """
        {"long": {"dtype": "U8", "shape": [10], "data_offsets": [0, 10]},
         "short": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]},
         "tail": {"dtype": "U8", "shape": [2], "data_offsets": [10, 12]}}
        """
    expectError({ try parse(handBuilt(nested, Array(repeating: 0, count: 12))) }) { $0 == .overlappingTensors("long", "short") }
    // The same range twice.
    let twice = """
        {"x": {"dtype": "I64", "shape": [], "data_offsets": [0, 8]},
         "y": {"dtype": "F64", "shape": [], "data_offsets": [0, 8]}}
        """
    expectError({ try parse(handBuilt(twice, Array(repeating: 0, count: 8))) }) { $0 == .overlappingTensors("x", "y") }
}

@Test func rejectsNonStringMetadata() {
    let tensor = #""a": {"dtype": "U8", "shape": [0], "data_offsets": [0, 0]}"#
    expectError({ try parse(handBuilt(#"{"__metadata__": {"ok": "yes", "n": 3}, \#(tensor)}"#)) }) {
        if case .invalidMetadata(key: "n", _) = $0 { true } else { false }
    }
    expectError({ try parse(handBuilt(#"{"__metadata__": {"flag": true}}"#)) }) {
        if case .invalidMetadata(key: "flag", _) = $0 { true } else { false }
    }
    expectError({ try parse(handBuilt(#"{"__metadata__": {"nested": {"a": "b"}}}"#)) }) {
        if case .invalidMetadata(key: "nested", _) = $0 { true } else { false }
    }
    expectError({ try parse(handBuilt(#"{"__metadata__": ["a", "b"]}"#)) }) {
        if case .invalidMetadata(key: nil, _) = $0 { true } else { false }
    }
    expectError({ try parse(handBuilt(#"{"__metadata__": null}"#)) }) {
        if case .invalidMetadata(key: nil, _) = $0 { true } else { false }
    }
}

@Test func errorMessagesNameTheDetails() {
    #expect(SafeTensorsError.headerLengthOutOfRange(headerLength: 900, bytesAfterLength: 12).description.contains("900"))
    #expect(SafeTensorsError.headerLengthOutOfRange(headerLength: 900, bytesAfterLength: 12).description.contains("12"))
    #expect(SafeTensorsError.unknownDType(name: "w", dtype: "F8_E5M2").description.contains("F8_E5M2"))
    let overlap = SafeTensorsError.overlappingTensors("first", "second").description
    #expect(overlap.contains("first") && overlap.contains("second"))
    let mismatch = SafeTensorsError.byteCountMismatch(name: "w", byteCount: 12, expected: 16).description
    #expect(mismatch.contains("12") && mismatch.contains("16"))
    #expect(SafeTensorsError.tensorNotFound("h0").description.contains("h0"))
    let io = SafeTensorsError.io(path: "/x/y.safetensors", message: "No such file").description
    #expect(io.contains("/x/y.safetensors") && io.contains("No such file"))
}

// MARK: - Writing errors

@Test func setRejectsBadInput() throws {
    var file = SafeTensors()
    try file.set("w", floats: [1, 2], shape: [2])
    expectError({ try file.set("w", floats: [1, 2], shape: [2]) }) { $0 == .duplicateName("w") }
    expectError({ try file.set("w", int64s: [1], shape: [1]) }) { $0 == .duplicateName("w") }
    expectError({ try file.set("v", floats: [1, 2, 3], shape: [2, 2]) }) {
        $0 == .valueCountMismatch(name: "v", count: 3, shape: [2, 2], expected: 4)
    }
    expectError({ try file.set("v", int64s: [1, 2], shape: []) }) {
        $0 == .valueCountMismatch(name: "v", count: 2, shape: [], expected: 1)
    }
    expectError({ try file.set("v", floats: [], shape: [-1, 0]) }) { $0 == .negativeShape(name: "v", shape: [-1, 0]) }
    expectError({ try file.set("v", floats: [], shape: [Int.max, 2]) }) { $0 == .shapeTooLarge(name: "v", shape: [Int.max, 2]) }
    expectError({ try file.set("__metadata__", floats: [1], shape: [1]) }) { $0 == .reservedName("__metadata__") }
    #expect(file.names == ["w"])
}

// MARK: - Robustness

/// Parses `data` and, when that succeeds, reads every tensor: neither may crash.
private func exercise(_ data: Data) -> Bool {
    guard let file = try? SafeTensors(data: data) else { return false }
    for name in file.names {
        _ = try? file.floats(name)
        _ = try? file.int64s(name)
        _ = try? file.entry(name)
    }
    _ = try? file.serialized()
    return true
}

@Test func truncatedAndCorruptedFilesNeverCrash() throws {
    var file = SafeTensors()
    try file.set("a", floats: [1, 2, 3, 4, 5, 6], shape: [2, 3])
    try file.set("b", int64s: [10, 20], shape: [2])
    try file.set("s", floats: [9], shape: [])
    file.metadata = ["k": "v"]
    let valid = try file.serialized()
    #expect(exercise(valid))

    for length in 0..<valid.count {
        #expect(!exercise(valid.prefix(length)), "a file cut to \(length) bytes must be rejected")
    }
    var accepted = 0
    for position in 0..<valid.count {
        for mask: UInt8 in [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF] {
            var corrupted = valid
            corrupted[position] ^= mask
            if exercise(corrupted) { accepted += 1 }
        }
        for replacement: UInt8 in [0x00, 0x20, 0x22, 0x2C, 0x2D, 0x30, 0x39, 0x5B, 0x5D, 0x7B, 0x7D, 0xFF] {
            var corrupted = valid
            corrupted[position] = replacement
            if exercise(corrupted) { accepted += 1 }
        }
    }
    #expect(accepted > 0, "flips in the data section leave a valid file")

    // Random bytes after a plausible length, and random splices of the valid file.
    var generator = SplitMix(seed: 0x5AFE)
    for _ in 0..<2000 {
        var data = valid
        for _ in 0..<Int(generator.next() % 4 + 1) {
            let position = Int(generator.next() % UInt64(data.count))
            data[position] = UInt8(truncatingIfNeeded: generator.next())
        }
        if generator.next() % 3 == 0 {
            data = data.prefix(Int(generator.next() % UInt64(data.count + 1)))
        }
        _ = exercise(data)
    }
    for _ in 0..<500 {
        let count = Int(generator.next() % 64)
        let noise = Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        _ = exercise(lengthPrefix(UInt64(count)) + noise)
        _ = exercise(noise)
    }
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Files

@Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")
    try Data("old contents".utf8).write(to: url)

    let file = try sample()
    try file.write(to: url)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    #expect(try Data(contentsOf: url) == file.serialized())
    let read = try SafeTensors(contentsOf: url)
    #expect(read.names == file.names && read.metadata == file.metadata)

    var smaller = SafeTensors()
    try smaller.set("only", int64s: [1], shape: [1])
    try smaller.write(to: url)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    #expect(try SafeTensors(contentsOf: url).names == ["only"])
}

@Test func writeIntoAMissingDirectoryThrowsIOError() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("missing/model.safetensors")
    expectError({ try sample().write(to: url) }) {
        if case .io(let path, let message) = $0 { path == url.path && !message.isEmpty } else { false }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
}

@Test func failedRenameRemovesTheTemporaryFile() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // The target is a non-empty directory, so the rename over it fails.
    let url = directory.appendingPathComponent("model.safetensors")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    try Data().write(to: url.appendingPathComponent("inside"))
    expectError({ try sample().write(to: url) }) {
        if case .io(let path, _) = $0 { path == url.path } else { false }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
}

@Test func readingAMissingFileThrowsIOError() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).safetensors")
    expectError({ _ = try SafeTensors(contentsOf: url) }) {
        if case .io(let path, let message) = $0 { path == url.path && !message.isEmpty } else { false }
    }
}
