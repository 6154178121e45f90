/// Finds the kernel signatures in OpenCL C source: `__kernel void name(params)` or
/// `kernel void name(params)`, with any `__attribute__((...))` between the qualifier and `void`.
///
/// This is a tokenizer, not a compiler: comments and preprocessor lines are skipped, so a kernel
/// inside `#if 0` still counts (keep one kernel per name per file; the generator rejects duplicates).
struct KernelSignature {
    var name: String
    var parameters: [Parameter]

    struct Parameter {
        var name: String
        /// The address space for pointers ("global", "local", "constant"), nil for values.
        var addressSpace: String?
        /// The type with qualifiers and the name removed: "float*", "int", "float".
        var type: String
    }
}

struct ScanError: Error, CustomStringConvertible {
    var description: String
}

enum KernelScanner {
    static func signatures(in source: String) throws -> [KernelSignature] {
        let tokens = tokenize(source)
        var found: [KernelSignature] = []
        var i = 0
        while i < tokens.count {
            guard tokens[i] == "__kernel" || tokens[i] == "kernel" else { i += 1; continue }
            i += 1
            // Skip attributes (`__attribute__((reqd_work_group_size(8,1,1)))`) up to `void`.
            while i < tokens.count, tokens[i] != "void" {
                if tokens[i] == "(" { i = try closingParenthesis(tokens, from: i) }
                i += 1
            }
            guard i + 2 < tokens.count, isIdentifier(tokens[i + 1]), tokens[i + 2] == "(" else {
                throw ScanError(description: "a kernel qualifier is not followed by `void name(`")
            }
            let name = tokens[i + 1]
            let open = i + 2
            let close = try closingParenthesis(tokens, from: open)
            let parameters = try splitParameters(Array(tokens[(open + 1)..<close])).map {
                try parameter($0, kernel: name)
            }
            found.append(KernelSignature(name: name, parameters: parameters))
            i = close + 1
        }
        return found
    }

    /// Splits a parameter list at top-level commas; `()` and `(void)` have no parameters.
    private static func splitParameters(_ tokens: [String]) throws -> [[String]] {
        if tokens.isEmpty || tokens == ["void"] { return [] }
        var parts: [[String]] = [[]]
        var depth = 0
        for token in tokens {
            if token == "(" || token == "[" { depth += 1 }
            if token == ")" || token == "]" { depth -= 1 }
            if token == ",", depth == 0 { parts.append([]) } else { parts[parts.count - 1].append(token) }
        }
        return parts
    }

    private static func parameter(_ tokens: [String], kernel: String) throws -> KernelSignature.Parameter {
        guard let name = tokens.last(where: isIdentifier) else {
            throw ScanError(description: "kernel \(kernel) has a parameter without a name")
        }
        let addressSpaces = ["__global": "global", "global": "global", "__local": "local",
                             "local": "local", "__constant": "constant", "constant": "constant"]
        let ignored: Set = ["const", "restrict", "__restrict", "volatile", "__private", "private", name]
        var addressSpace: String?
        var type = ""
        for token in tokens {
            if let space = addressSpaces[token] { addressSpace = space; continue }
            if ignored.contains(token) { continue }
            type += (type.isEmpty || token == "*" ? "" : " ") + token
        }
        return .init(name: name, addressSpace: addressSpace, type: type)
    }

    private static func closingParenthesis(_ tokens: [String], from open: Int) throws -> Int {
        var depth = 0
        for j in open..<tokens.count {
            if tokens[j] == "(" { depth += 1 }
            if tokens[j] == ")" { depth -= 1; if depth == 0 { return j } }
        }
        throw ScanError(description: "unbalanced parentheses")
    }

    static func isIdentifier(_ token: String) -> Bool {
        guard let first = token.unicodeScalars.first else { return false }
        return first == "_" || first.properties.isAlphabetic
    }

    /// Identifiers and numbers as words, every other character on its own; comments, string
    /// literals and preprocessor lines (with their `\` continuations) are dropped.
    static func tokenize(_ source: String) -> [String] {
        let chars = Array(source.unicodeScalars)
        var tokens: [String] = []
        var i = 0
        var atLineStart = true
        func isWord(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) }
        while i < chars.count {
            let c = chars[i]
            let next = i + 1 < chars.count ? chars[i + 1] : " "
            if c == "\n" { atLineStart = true; i += 1; continue }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            if c == "/", next == "/" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/", next == "*" {
                i += 2
                while i + 1 < chars.count, !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                i += 2
                continue
            }
            if c == "#", atLineStart {
                while i < chars.count, chars[i] != "\n" {
                    if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "\n" { i += 1 }
                    i += 1
                }
                continue
            }
            atLineStart = false
            if c == "\"" || c == "'" {
                i += 1
                while i < chars.count, chars[i] != c { i += chars[i] == "\\" ? 2 : 1 }
                i += 1
                continue
            }
            if isWord(c) {
                var word = ""
                while i < chars.count, isWord(chars[i]) { word.unicodeScalars.append(chars[i]); i += 1 }
                tokens.append(word)
                continue
            }
            tokens.append(String(c))
            i += 1
        }
        return tokens
    }
}
