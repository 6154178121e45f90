import Foundation
import PackagePlugin

/// Embeds the package's top-level `Kernels/*.cl` into the target as Swift source
/// (`KernelFile`, `KernelName`), so that nothing is read from disk at run time.
///
/// The folder sits outside the target, so SwiftPM does not track its files for us. The command
/// names the folder itself among its inputs, beside the files: editing a file re-runs the
/// generator through the file, adding or removing one through the folder's modification time.
/// The generator lists the folder when it runs, so a file added after planning is included.
@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Kernels", directoryHint: .isDirectory)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) ?? []
        let kernelFiles = files.filter { $0.hasSuffix(".cl") && !$0.hasPrefix(".") }.sorted()
            .map { folder.appending(path: $0, directoryHint: .notDirectory) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernels.swift")
        return [
            .buildCommand(
                displayName: "Embedding Kernels/*.cl into \(target.name)",
                executable: try context.tool(named: "embed-kernels").url,
                arguments: [folder.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: [folder] + kernelFiles,
                outputFiles: [output]
            )
        ]
    }
}
