import Foundation
@testable import RecurOpenCL
import Testing

/// The build-tool plugin embeds every file of the package's top-level Kernels/ folder.
@Suite struct Embedding {
    /// Kernels/ of this checkout, found from this file's path (Tests/RecurOpenCLTests/...).
    static let kernelsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Kernels")

    @Test func everyKernelFileIsEmbedded() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.kernelsFolder.path)
            .filter { $0.hasSuffix(".cl") && !$0.hasPrefix(".") }.sorted()
        #expect(KernelFile.allCases.map(\.rawValue).sorted() == onDisk)
    }

    /// A file's source is its text behind a `#line` directive, with each `#include "x.cl"` line
    /// replaced by x's source (itself expanded) between `#line` directives.
    @Test(arguments: KernelFile.allCases)
    func sourceIsTheFileBehindALineDirective(_ file: KernelFile) throws {
        let text = try String(contentsOf: Self.kernelsFolder.appendingPathComponent(file.rawValue), encoding: .utf8)
        let prefix = "#line 1 \"Kernels/\(file.rawValue)\"\n"
        #expect(file.source.hasPrefix(prefix))
        let includes = text.split(separator: "\n").filter { $0.hasPrefix("#include \"") }
        guard !includes.isEmpty else {
            let body = String(file.source.dropFirst(prefix.count))
            // The generator adds a final newline when the file lacks one, and nothing else.
            #expect(body == text || body == text + "\n")
            return
        }
        #expect(!file.source.contains("#include"), "\(file.rawValue): an include left unexpanded")
        for line in includes {
            let name = String(line.dropFirst("#include \"".count).prefix { $0 != "\"" })
            let included = try #require(KernelFile(rawValue: name), "\(file.rawValue) includes \(name)")
            #expect(file.source.contains("#line 1 \"Kernels/\(name)\"\n"), "\(file.rawValue) lacks \(name)")
            // Its own lines, minus its includes (expanded once, maybe by an earlier file).
            for own in included.source.split(separator: "\n") where !own.hasPrefix("#line") {
                #expect(file.source.contains(own), "\(file.rawValue) lacks \(name)'s line \(own)")
            }
        }
    }

    @Test func commonDefinesNoKernelAndEveryOtherFileIsReachable() {
        #expect(!KernelName.allCases.contains { $0.file == .common })
        #expect(KernelFile.allCases.contains(.common))
    }

    @Test(arguments: KernelName.allCases)
    func kernelNamesComeFromTheirFile(_ name: KernelName) {
        #expect(name.file.source.contains(name.rawValue))
        #expect(name.parameterCount == name.parameters.count)
    }

    @Test func elementwiseSignaturesAreReadFromTheSource() {
        #expect(KernelName.fillMatrix.file == .elementwise)
        #expect(KernelName.sumRows.parameters.map(\.name) == ["src", "off", "rows", "cols", "ld", "dst", "dst_off", "accumulate"])
        #expect(KernelName.axpyMatrix.parameters.first == KernelParameter(name: "alpha", kind: .scalar("float")))
        #expect(KernelName.copyMatrix.parameters[0].kind == .globalBuffer)
    }
}
