import Foundation

/// Writes the Swift source that embeds the kernel files: `KernelFile` (one case per file, with its
/// text) and `KernelName` (one case per kernel, with its file and parameters). The output depends
/// only on the files' names and contents, so an unchanged Kernels/ gives a byte-identical file.
struct KernelSourceFile {
    /// "lstm_forward.cl"
    var fileName: String
    var text: String
    var kernels: [KernelSignature]
}

enum SwiftEmitter {
    /// The file whose text is prepended to every program; it must define no kernel.
    static let commonFile = "common.cl"

    static func emit(_ files: [KernelSourceFile]) throws -> String {
        var seen: [String: String] = [:]
        for file in files {
            if file.fileName == commonFile, let kernel = file.kernels.first {
                throw ScanError(description: "\(commonFile) is prepended to every program and must define no kernel (found \(kernel.name))")
            }
            for kernel in file.kernels {
                if let other = seen[kernel.name] {
                    throw ScanError(description: "kernel \(kernel.name) is defined in \(other) and \(file.fileName)")
                }
                seen[kernel.name] = file.fileName
            }
        }
        let fileCases = try files.map { (try caseName(stem($0.fileName)), $0) }
        let kernelCases = try files.flatMap { file in
            try file.kernels.map { (try caseName($0.name), $0, try caseName(stem(file.fileName))) }
        }

        var out = """
        // Generated at build time by embed-kernels (the EmbedKernels plugin) from the package's
        // top-level Kernels/*.cl. Do not edit: edit the .cl files.

        /// The OpenCL C files of the package's Kernels/ folder, embedded in the binary.
        public enum KernelFile: String, CaseIterable, Sendable {

        """
        for (name, file) in fileCases { out += "    case \(name) = \(quoted(file.fileName))\n" }
        out += """

            /// The file's text with its `#include "x.cl"` lines expanded (each file once), starting with
            /// `#line 1 "Kernels/<file>"` and with `#line` around each expansion, so build logs name the
            /// real file and line.
            public var source: String {
                switch self {

        """
        let expander = IncludeExpander(
            files: Dictionary(uniqueKeysWithValues: files.map { ($0.fileName, $0.text) }), prepended: commonFile)
        for (name, file) in fileCases {
            out += "        case .\(name):\n            return \(rawLiteral(try expander.expand(file.fileName)))\n"
        }
        out += """
                }
            }
        }

        /// Every kernel function of Kernels/*.cl; host code names kernels only through this enum.
        public enum KernelName: String, CaseIterable, Sendable {

        """
        for (name, kernel, _) in kernelCases { out += "    case \(name) = \(quoted(kernel.name))\n" }
        out += "\n    /// The file that defines the kernel.\n    public var file: KernelFile {\n"
        out += switchBody(kernelCases.map { ($0.0, ".\($0.2)") })
        out += "    }\n\n    /// The number of parameters in the kernel's signature.\n    public var parameterCount: Int {\n"
        out += switchBody(kernelCases.map { ($0.0, "\($0.1.parameters.count)") })
        out += "    }\n\n    /// The signature's parameters, in order.\n    public var parameters: [KernelParameter] {\n"
        out += switchBody(kernelCases.map { ($0.0, "[" + $0.1.parameters.map(parameterLiteral).joined(separator: ", ") + "]") })
        out += "    }\n}\n"
        return out
    }

    private static func switchBody(_ cases: [(String, String)]) -> String {
        // An enum without cases has nothing to switch over (a Kernels/ folder with no kernel yet).
        guard !cases.isEmpty else { return "        switch self {}\n" }
        var out = "        switch self {\n"
        for (name, value) in cases { out += "        case .\(name): return \(value)\n" }
        return out + "        }\n"
    }

    private static func parameterLiteral(_ p: KernelSignature.Parameter) -> String {
        let kind: String
        switch p.addressSpace {
        case "global": kind = ".globalBuffer"
        case "local": kind = ".localBuffer"
        case "constant": kind = ".constantBuffer"
        default: kind = ".scalar(\(quoted(p.type)))"
        }
        return "KernelParameter(name: \(quoted(p.name)), kind: \(kind))"
    }

    /// A multi-line raw string literal whose delimiter has more `#` than any run in the text, so
    /// no `"""#...` terminator and no `\#(` interpolation can occur inside it.
    static func rawLiteral(_ text: String) -> String {
        var longest = 0, run = 0
        for c in text.unicodeScalars {
            run = c == "#" ? run + 1 : 0
            longest = max(longest, run)
        }
        let hashes = String(repeating: "#", count: longest + 1)
        // The newline before the closing delimiter is not part of a multi-line literal's value.
        return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
    }

    private static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func stem(_ fileName: String) -> String {
        String(fileName.dropLast(".cl".count))
    }

    /// snake_case (or kebab-case) to lowerCamelCase: `lstm_forward` -> `lstmForward`.
    static func caseName(_ name: String) throws -> String {
        let words = name.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." || $0 == " " })
        var result = words.enumerated().map { index, word in
            index == 0 ? String(word) : word.prefix(1).uppercased() + word.dropFirst()
        }.joined()
        guard let first = result.unicodeScalars.first,
              first.properties.isAlphabetic || first == "_",
              result.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) })
        else {
            throw ScanError(description: "`\(name)` does not make a Swift identifier; rename it")
        }
        if swiftKeywords.contains(result) { result = "`\(result)`" }
        return result
    }

    private static let swiftKeywords: Set = [
        "associatedtype", "class", "deinit", "enum", "extension", "func", "import", "init", "inout",
        "internal", "let", "operator", "private", "protocol", "public", "static", "struct", "subscript",
        "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else", "fallthrough",
        "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "catch", "false",
        "is", "nil", "rethrows", "super", "self", "throw", "throws", "true", "try", "Any", "Self", "Type",
    ]
}
