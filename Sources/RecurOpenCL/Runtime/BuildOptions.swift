/// The options a program is built with: `-cl-std=CL1.2` and `-D NAME=value` defines (tuning
/// parameters chosen per device, the whole-sequence kernels' RECUR_WIDE_UNITS).
///
/// Defines are sorted, so equal dictionaries give equal option strings and hit the same cache entry.
struct BuildOptions: Hashable, Sendable, CustomStringConvertible {
    let string: String

    init(defines: [String: String] = [:]) throws(OpenCLError) {
        var parts = ["-cl-std=CL1.2"]
        for (name, value) in defines.sorted(by: { $0.key < $1.key }) {
            guard Self.isIdentifier(name) else { throw .invalidArgument("build define name \"\(name)\" is not an identifier") }
            guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "'" }) else {
                throw .invalidArgument("build define \(name) has value \"\(value)\"; values must be one word")
            }
            parts.append("-D \(name)=\(value)")
        }
        string = parts.joined(separator: " ")
    }

    var description: String { string }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first) || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}
