import Foundation
import RecurTestSupport

/// A tool started and left running, to be signalled while it works: its output collected as it
/// comes, and every wait bounded by a deadline, so that a tool that never stops fails its test
/// rather than hanging the suite (it is then killed).
final class RunningTool: @unchecked Sendable {
    // @unchecked: the buffers are only touched under `lock`; the process and the group are
    // thread-safe themselves.
    private let process = Process()
    private let lock = NSLock()
    private var output = Data(), errors = Data()
    private let readers = DispatchGroup()

    init(_ tool: String, _ arguments: [String]) throws {
        process.executableURL = try ToolProcess.executable(tool)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        read(out.fileHandleForReading) { self.output.append($0) }
        read(err.fileHandleForReading) { self.errors.append($0) }
    }

    /// Drains `handle` until the tool closes it (on exit), so that the tool never blocks on a full pipe.
    private func read(_ handle: FileHandle, into append: @escaping @Sendable (Data) -> Void) {
        DispatchQueue.global().async(group: readers) {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                self.lock.withLock { append(chunk) }
            }
        }
    }

    var outputSoFar: String { lock.withLock { String(decoding: output, as: UTF8.self) } }

    /// Waits until stdout holds `text`; false when the deadline passed or the tool ended first.
    func waitForOutput(containing text: String, seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if outputSoFar.contains(text) { return true }
            if !process.isRunning { return outputSoFar.contains(text) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    func send(_ signal: Int32) { _ = Foundation.kill(process.processIdentifier, signal) }

    /// The tool's end and everything it wrote; nil when it was still running at the deadline (it
    /// is then killed).
    func waitForExit(seconds: Double) -> ToolProcess.Result? {
        guard readers.wait(timeout: .now() + seconds) == .success else {
            terminate()
            return nil
        }
        process.waitUntilExit()
        return lock.withLock {
            ToolProcess.Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                               errors: String(decoding: errors, as: UTF8.self), exited: process.terminationReason == .exit)
        }
    }

    /// Ends a tool a test gave up on (SIGKILL), and reaps it.
    func terminate() {
        guard process.isRunning else { return }
        send(SIGKILL)
        process.waitUntilExit()
    }

    /// Runs a tool to its end, which must come within `seconds`.
    static func run(_ tool: String, _ arguments: [String], seconds: Double) throws -> ToolProcess.Result? {
        try RunningTool(tool, arguments).waitForExit(seconds: seconds)
    }
}
