import Foundation
import RecurTestSupport
import Testing

/// QA's sizes: each refused up front with exit 2 and a message naming the option, within seconds,
/// on the built-in task and on --text. Before, --batch 100000000 aborted (exit 134) and sizes within
/// the limits but beyond memory aborted at the first buffer or swapped.
@Suite struct RunSizeTests {
    /// Runs rnn-train to its end, which must come within 20 s, without a signal.
    func refused(_ arguments: [String], mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let started = Date()
        guard let result = try RunningTool.run("rnn-train", arguments, seconds: 20) else {
            Issue.record("rnn-train \(arguments) was still running after 20 s", sourceLocation: sourceLocation)
            return
        }
        #expect(result.exited, "rnn-train \(arguments) died of a signal", sourceLocation: sourceLocation)
        #expect(result.status == 2, "\(arguments): status \(result.status), \(result.errors)", sourceLocation: sourceLocation)
        #expect(Date().timeIntervalSince(started) < 10, "\(arguments) took \(Date().timeIntervalSince(started)) s",
                sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.errors.contains(fragment), "\(arguments): no \"\(fragment)\" in \(result.errors)",
                    sourceLocation: sourceLocation)
        }
    }

    func tasks(_ directory: URL) throws -> [[String]] {
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "text.txt", in: directory)
        let common = ["--backend", "cpu", "--steps", "1", "--out", directory.appendingPathComponent("out").path]
        return [common, common + ["--text", text]]
    }

    @Test func sizesAboveRecursLimitsNameTheOption() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        for task in try tasks(directory) {
            for option in ["batch", "hidden", "embedding", "layers", "seq-len"] {
                try refused(task + ["--\(option)", "100000000"], mentions: ["--\(option) is 100000000, above the limit"])
            }
        }
    }

    /// Within the limits, beyond the machine: the estimate against the backend's device.
    @Test func runsBeyondTheDevicesMemorySayHowMuch() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        for task in try tasks(directory) {
            try refused(task + ["--batch", "1000000", "--hidden", "4096"],
                        mentions: ["this run needs", " TB (", "; the CPU (", ": its physical memory", "--batch 1000000"])
            try refused(task + ["--hidden", "65536", "--layers", "4"], mentions: ["this run needs", "--hidden 65536", "--layers 4"])
        }
        // The built-in task's sequences are fixed: its message does not offer --seq-len.
        try refused(try tasks(directory)[0] + ["--batch", "1000000", "--hidden", "4096"], mentions: ["--layers 1"])
        let builtIn = try RunningTool.run("rnn-train", try tasks(directory)[0] + ["--batch", "1000000", "--hidden", "4096"], seconds: 20)
        #expect(builtIn?.errors.contains("--seq-len") == false)
        // The character model's embedding counts (the built-in task has none).
        try refused(try tasks(directory)[1] + ["--embedding", "1000000", "--hidden", "4096", "--layers", "1"],
                    mentions: ["this run needs", "--embedding 1000000"])
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/checkpoint.safetensors").path))
    }
}
