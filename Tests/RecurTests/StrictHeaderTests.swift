import Foundation
import Recur
import Testing

/// The safetensors header is parsed strictly: what JSONSerialization let through (a duplicated key,
/// whose last value won; a byte-order mark; junk after the object) is refused with a message.
@Suite struct StrictHeader {
    /// A file whose header is `json` padded with spaces to a multiple of 8, followed by `body`.
    func file(_ json: String, body: [UInt8] = [0, 0, 128, 63], rawPrefix: [UInt8] = []) -> Data {
        var header = rawPrefix + Array(json.utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Data($0) } + Data(header) + Data(body)
    }

    func refusal(_ data: Data) -> String? {
        do {
            _ = try SafeTensors(data: data)
            return nil
        } catch let error as SafeTensorsError {
            return error.description
        } catch {
            return "untyped: \(error)"
        }
    }

    let valid = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#

    @Test func theValidFileReads() throws {
        #expect(try SafeTensors(data: file(valid)).floats("x") == [1])
        #expect(try SafeTensors(data: file(#"{"__metadata__":{"a":"b\u00e9\ud83d\ude00"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#))
            .metadata["a"] == "bé😀")
    }

    @Test func duplicateKeysAreRefusedAtEveryLevel() {
        let duplicates = [
            #"{"x":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            #"{"__metadata__":{"a":"1","a":"2"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            // Equal once the escape is decoded.
            #"{"x":{"dtype":"F32","d\u0074ype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        ]
        for json in duplicates {
            let message = refusal(file(json))
            #expect(message?.contains("appears twice") == true, "\(json): \(message ?? "accepted")")
        }
    }

    @Test func aByteOrderMarkAndTrailingJunkAreRefused() {
        #expect(refusal(file(valid, rawPrefix: [0xEF, 0xBB, 0xBF]))?.contains("byte-order mark") == true)
        #expect(refusal(file(valid + "x"))?.contains("only space padding") == true)
        #expect(refusal(file(valid + "\n"))?.contains("only space padding") == true)
        #expect(refusal(file(valid + "{}"))?.contains("only space padding") == true)
        #expect(refusal(file(valid + "   ")) == nil, "space padding is the format's own")
    }

    @Test func malformedJSONIsRefused() {
        for json in [
            #"{"x":{"dtype":"F32","shape":[01],"data_offsets":[0,4]}}"#, #"{"x":{"dtype":"F32","shape":[1,],"data_offsets":[0,4]}}"#,
            #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},}"#, #"{'x':1}"#, #"{"x":"\ud800"}"#,
            "{\"x\":\"a\u{01}\"}", #"{"x":tru}"#, #"{"x":1.}"#, #"{"x":-}"#, #"{"x":NaN}"#, "{", #"{"x""#,
            String(repeating: "[", count: 100_000),
        ] {
            #expect(refusal(file(json)) != nil, "\(json.prefix(80)) was accepted")
        }
        #expect(refusal(file("{\"x\":" + String(repeating: "[", count: 100_000)))?.contains("nests deeper") == true)
    }

    @Test func unknownEntryFieldsAndNonStringMetadataAreRefused() {
        #expect(refusal(file(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}"#))?.contains("extra") == true)
        for value in ["1", "true", "null", "[]", "{}"] {
            let json = #"{"__metadata__":{"k":"# + value + #"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
            #expect(refusal(file(json))?.contains("'k'") == true, "\(value)")
        }
    }

    @Test func aHugeHeaderLengthIsRefusedBeforeParsing() {
        var data = file(valid)
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(200_000_000).littleEndian) { Data($0) })
        data.append(Data(count: 200_000_000 - (data.count - 8)))
        #expect(refusal(data)?.contains("above the limit") == true)
    }
}
