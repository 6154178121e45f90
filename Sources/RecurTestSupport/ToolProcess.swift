import Foundation
import Recur

/// Runs one of the package's command-line tools (built beside the test bundle) as users run it.
public enum ToolProcess {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        public let errors: String
        /// False when the tool died of a signal (a crash) rather than exiting.
        public let exited: Bool
        public var lines: [String] { output.split(separator: "\n").map(String.init) }

        public init(status: Int32, output: String, errors: String, exited: Bool) {
            self.status = status
            self.output = output
            self.errors = errors
            self.exited = exited
        }
    }

    /// The tool built beside the test bundle.
    public static func executable(_ tool: String) throws -> URL {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [products, products.deletingLastPathComponent()].map { $0.appendingPathComponent(tool) }
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw RecurError.invalidValue("\(tool) is not built next to the tests (\(products.path))")
        }
        return executable
    }

    public static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try run(executable: try executable(tool), arguments, environment: environment)
    }

    /// The tool on `ranks` MPI ranks, as `mpirun --allow-run-as-root --oversubscribe -np N TOOL ...`
    /// (Open MPI's mpirun, from openmpi-bin), under `timeout` so that a hang fails after `seconds`
    /// (status 124) instead of stalling the suite.
    public static func mpirun(_ tool: String, ranks: Int, _ arguments: [String], environment: [String: String] = [:],
                              seconds: Int = 300) throws -> Result {
        try run(executable: URL(fileURLWithPath: "/usr/bin/env"),
                ["timeout", String(seconds), "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", String(ranks),
                 try executable(tool).path] + arguments, environment: environment)
    }

    static func run(executable: URL, _ arguments: [String], environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes drained at once: a child that fills one while we block on the other would hang.
        nonisolated(unsafe) var errors = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errors = err.fileHandleForReading.readDataToEndOfFile() }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                      errors: String(decoding: errors, as: UTF8.self), exited: process.terminationReason == .exit)
    }
}

extension ToolProcess {
    /// The id of a process that has ended: a child that exited and was waited for (what a killed
    /// writer's leftovers name, for the tests of their removal).
    public static func endedProcessID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exit 0"]
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}
