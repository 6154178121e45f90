// embed-kernels <Kernels folder> <output.swift>
//
// Run by the EmbedKernels build-tool plugin. It lists the folder itself, at build time, rather than
// trusting the file list the plugin saw when the build was planned: the plugin names the folder as
// an input, so adding a file re-runs this tool, and this listing then picks the new file up.
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("embed-kernels: error: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else { fail("usage: embed-kernels <Kernels folder> <output.swift>") }
let folder = URL(fileURLWithPath: arguments[1], isDirectory: true)
let output = URL(fileURLWithPath: arguments[2])

let names: [String]
do {
    names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasSuffix(".cl") && !$0.hasPrefix(".") }
        .sorted()
} catch {
    fail("cannot list \(folder.path): \(error)")
}

var files: [KernelSourceFile] = []
for name in names {
    let url = folder.appendingPathComponent(name)
    guard let data = FileManager.default.contents(atPath: url.path),
          let text = String(data: data, encoding: .utf8)
    else { fail("\(url.path) is unreadable or not UTF-8") }
    do {
        files.append(KernelSourceFile(fileName: name, text: text, kernels: try KernelScanner.signatures(in: text)))
    } catch {
        fail("\(url.path): \(error)")
    }
}

let swift: String
do {
    swift = try SwiftEmitter.emit(files)
} catch {
    fail("\(error)")
}

// Rewrite only on change, so an unchanged folder does not recompile the module.
if FileManager.default.contents(atPath: output.path) != Data(swift.utf8) {
    do {
        try Data(swift.utf8).write(to: output, options: .atomic)
    } catch {
        fail("cannot write \(output.path): \(error)")
    }
}
