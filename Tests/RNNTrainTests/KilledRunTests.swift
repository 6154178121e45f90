import Foundation
import Recur
import RecurTestSupport
import Testing

/// What a run that cannot finish leaves: `kill -9` keeps every history row written so far, the
/// next run removes the temporary files a killed one left, and an --out that cannot be written is
/// found before any training.
@Suite struct KilledRunTests {
    static let deadline = 180.0

    @Test func killNineKeepsEveryHistoryRowWrittenSoFar() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out = directory.appendingPathComponent("out")
        let csv = out.appendingPathComponent("history.csv")
        // A row every step, and no evaluation or checkpoint to write the history out at.
        let running = try RunningTool("rnn-train", ["--text", text, "--steps", "10000000", "--log-every", "1", "--eval-every", "10000000",
                                                    "--checkpoint-every", "10000000", "--out", out.path] + RNNTrainProcess.tinyModel)
        defer { running.terminate() }
        // Rows come within seconds; a run that keeps them in memory never writes one, and fails here.
        let deadline = Date(timeIntervalSinceNow: 60)
        func rows() -> [String] {
            ((try? String(contentsOf: csv, encoding: .utf8)) ?? "").split(separator: "\n").dropFirst().map(String.init)
        }
        while rows().count < 5, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        running.send(SIGKILL)
        let result = try #require(running.waitForExit(seconds: Self.deadline))
        #expect(!result.exited, "killed")
        let kept = try String(contentsOf: csv, encoding: .utf8)
        #expect(kept.hasSuffix("\n"), "only whole rows")
        let steps = kept.split(separator: "\n").dropFirst().map { Int($0.split(separator: ",").first ?? "") }
        #expect(steps.count >= 5, "\(kept)")
        #expect(steps == (1...steps.count).map { Optional($0) }, "a row for every step up to the kill: \(kept)")
    }

    @Test func theNextRunRemovesTheTemporariesOfAKilledOne() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // What a run killed while saving leaves (AtomicFile's name, an ended writer), and files that
        // are not Recur's temporaries, which stay.
        let ended = try ToolProcess.endedProcessID()
        let stale = [".recur-tmp-\(ended)-\(UUID().uuidString)-checkpoint.safetensors",
                     ".recur-tmp-\(ended)-\(UUID().uuidString)-history.csv"]
        let others = ["notes.txt", ".dat.nosync1A2B.abcdef"]
        for name in stale + others { try Data(repeating: 7, count: 100).write(to: out.appendingPathComponent(name)) }

        let result = try RNNTrainProcess.run(["--text", text, "--steps", "2", "--out", out.path] + RNNTrainProcess.tinyModel)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("removed 2 temporary files"), "\(result.errors)")
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: out.path))
                == Set(others + ["best.safetensors", "checkpoint.safetensors", "history.csv", "history.svg"]))
    }

    /// A directory that exists but takes no file: /proc/self on Linux (even for root, who passes
    /// permission checks); elsewhere a read-only directory, unless root.
    @Test func anUnwritableOutIsRefusedBeforeTraining() throws {
        let directory = try RNNTrainProcess.scratch()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.appendingPathComponent("locked").path)
            try? FileManager.default.removeItem(at: directory)
        }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out: String
        if FileManager.default.fileExists(atPath: "/proc/self/status") {
            out = "/proc/self"
        } else {
            try #require(geteuid() != 0, "no directory that refuses root's files here")
            let locked = directory.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
            out = locked.path
        }
        let result = try RNNTrainProcess.run(["--text", text, "--steps", "20", "--eval-every", "10", "--out", out] + RNNTrainProcess.tinyModel)
        #expect(result.status == 2)
        #expect(result.errors.contains("--out \(out)"), "\(result.errors)")
        #expect(!result.errors.contains("Usage"), "\(result.errors)")
        #expect(!result.output.contains("step "), "nothing is trained: \(result.output)")
    }
}
