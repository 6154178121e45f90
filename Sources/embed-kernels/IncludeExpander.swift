import Foundation

/// Expands `#include "file.cl"` lines of a kernel file with the named file of the same folder, at
/// generation time: the device compiler never sees an include (OpenCL's `-I` needs a directory,
/// and the sources are embedded), and each kernel file says in C what it builds on, so no table on
/// the host lists a file's dependencies.
///
/// Each file is included once per program (a second `#include` of it, directly or through another
/// file, expands to nothing), so a file may include what it needs without guards. `#line`
/// directives around each expansion keep the build log's file names and line numbers real. The
/// expansion is line-based, like the preprocessor's: an include inside a block comment expands too.
struct IncludeExpander {
    /// Every file of the folder, by name ("lstm_cell.cl").
    var files: [String: String]
    /// The file prepended to every program by the host, which no file may include.
    var prepended: String

    /// `name`'s text with its includes expanded, starting with `#line 1 "Kernels/<name>"`.
    func expand(_ name: String) throws -> String {
        var included: Set<String> = [name]
        return try expand(name, chain: [name], included: &included)
    }

    private func expand(_ name: String, chain: [String], included: inout Set<String>) throws -> String {
        guard let text = files[name] else { throw ScanError(description: "no file \(name) in Kernels/") }
        var out = "#line 1 \"Kernels/\(name)\"\n"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // A final newline leaves one empty element after it, which is not a line.
        let count = text.hasSuffix("\n") ? lines.count - 1 : lines.count
        for (index, line) in lines.prefix(count).enumerated() {
            guard let target = try Self.includedName(line) else {
                out += line + "\n"
                continue
            }
            let site = "\(name):\(index + 1)"
            guard files[target] != nil else {
                throw ScanError(description: "\(site) includes \(target), which is not a file of Kernels/")
            }
            guard target != prepended else {
                throw ScanError(description: "\(site) includes \(prepended), which every program already starts with")
            }
            guard !chain.contains(target) else {
                throw ScanError(description: "\(site): include cycle \((chain + [target]).joined(separator: " -> "))")
            }
            if included.insert(target).inserted {
                out += try expand(target, chain: chain + [target], included: &included)
            }
            // The next line of this file is line index + 2.
            out += "#line \(index + 2) \"Kernels/\(name)\"\n"
        }
        return out
    }

    /// "units.cl" for `#include "units.cl"` (spaces allowed after `#` and around the name), nil for
    /// any other line; `#include <...>` is an error (there is no system include path).
    static func includedName(_ line: Substring) throws -> String? {
        var rest = line.drop(while: { $0 == " " || $0 == "\t" })
        guard rest.first == "#" else { return nil }
        rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
        guard rest.hasPrefix("include") else { return nil }
        rest = rest.dropFirst("include".count).drop(while: { $0 == " " || $0 == "\t" })
        guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else {
            throw ScanError(description: "`\(line)`: only #include \"file.cl\" of Kernels/ is supported")
        }
        let trailing = rest[rest.index(after: close)...].trimmingCharacters(in: .whitespaces)
        guard trailing.isEmpty || trailing.hasPrefix("//") else {
            throw ScanError(description: "`\(line)`: unexpected text after the file name")
        }
        return String(rest[rest.index(after: rest.startIndex)..<close])
    }
}
