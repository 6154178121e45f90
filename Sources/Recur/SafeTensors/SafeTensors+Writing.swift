import Foundation

extension SafeTensors {
    /// The file's bytes: the header (metadata first when non-empty, then the tensors in sorted-name order)
    /// padded with spaces so that the data starts at a multiple of 8 bytes, then the tensors' data, contiguous,
    /// in the same order.
    public func serialized() throws -> Data {
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { key in
                "\(Self.jsonString(key)):\(Self.jsonString(metadata[key] ?? ""))"
            }
            fields.append("\(Self.jsonString(Self.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        let ordered = names.compactMap { tensors[$0] }
        var offset = 0
        for tensor in ordered {
            let (end, overflow) = offset.addingReportingOverflow(tensor.bytes.count)
            guard !overflow else { throw SafeTensorsError.shapeTooLarge(name: tensor.entry.name, shape: tensor.entry.shape) }
            let shape = tensor.entry.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(Self.jsonString(tensor.entry.name)):{\"dtype\":\"\(tensor.entry.dtype.rawValue)\","
                    + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += fields.joined(separator: ",") + "}"

        var headerBytes = Array(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        var file = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: headerBytes)
        for tensor in ordered {
            file.append(tensor.bytes)
        }
        return file
    }

    /// Writes the file atomically (AtomicFile): a temporary file in the same directory, flushed to the disk
    /// and then renamed over `url`, so readers see either the old file or the complete new one. The temporary
    /// file is removed if anything fails, and one a killed process leaves is Recur's by its name
    /// (StaleTemporaries).
    public func write(to url: URL) throws {
        let data = try serialized()
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw SafeTensorsError.io(path: url.path, message: "\(error.action): \(error.reason)")
        }
    }

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
