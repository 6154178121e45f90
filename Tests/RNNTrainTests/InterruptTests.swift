import Foundation
import Recur
import RecurTestSupport
import Testing

/// Ctrl-C (SIGINT) during training: the step finishes, a checkpoint and the history are written,
/// the process says how to resume and exits 130, and the resumed run is the run that was never
/// interrupted. Every wait has a deadline (RunningTool), so a run that ignores the signal fails
/// the test instead of hanging it.
@Suite struct InterruptTests {
    /// Generous: a debug build on a shared 2-core machine.
    static let deadline = 180.0

    /// history.csv's rows by step, the seconds left out: "train,val" as written.
    func history(_ directory: URL) throws -> [(step: Int, losses: String)] {
        let csv = try String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8)
        return csv.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (Int(fields[0]) ?? -1, "\(fields[1]),\(fields[2])")
        }
    }

    func interruptedStep(_ errors: String) -> Int? {
        guard let range = errors.range(of: "interrupted at step ") else { return nil }
        return Int(errors[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func ctrlCWritesACheckpointThatResumesAsTheUninterruptedRun() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        // Two layers with dropout, as ResumeTests: the resumed run also continues the masks' sequence.
        let options = ["--text", text, "--log-every", "5", "--eval-every", "10", "--layers", "2", "--dropout", "0.2"]
            + RNNTrainProcess.tinyModel.filter { $0 != "--layers" && $0 != "1" }
        // Seeded, so that a failure comes back with the same delays (the step each lands on still
        // depends on the machine's speed, which is the point: any step must do).
        var generator = SeededGenerator(seed: 130)

        for trial in 0..<3 {
            let out = directory.appendingPathComponent("interrupted-\(trial)")
            let running = try RunningTool("rnn-train", options + ["--steps", "10000000", "--out", out.path])
            defer { running.terminate() }
            // The first evaluation line: training has started.
            try #require(running.waitForOutput(containing: "step ", seconds: Self.deadline), "no training: \(running.outputSoFar)")
            Thread.sleep(forTimeInterval: Double(generator.next() % 400) / 1000)
            running.send(SIGINT)
            let result = try #require(running.waitForExit(seconds: Self.deadline), "rnn-train did not stop on SIGINT")
            #expect(result.exited && result.status == 130, "trial \(trial): status \(result.status): \(result.errors)")
            let step = try #require(interruptedStep(result.errors), "\(result.errors)")
            let checkpoint = out.appendingPathComponent("checkpoint.safetensors")
            #expect(result.errors.contains("checkpoint written to \(checkpoint.path)"), "\(result.errors)")
            #expect(result.errors.contains("resume with: rnn-train --text \(text) --resume \(checkpoint.path)"), "\(result.errors)")
            #expect(try SafeTensors(contentsOf: checkpoint).metadata["step"] == String(step))
            // best.safetensors once an evaluation has run (every 10 steps here).
            let expectedFiles = (step >= 10 ? ["best.safetensors"] : []) + ["checkpoint.safetensors", "history.csv", "history.svg"]
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == expectedFiles,
                    "no temporary files are left")
            let interrupted = try history(out)
            #expect(interrupted.last?.step == step, "the history ends at the interrupted step: \(interrupted.suffix(3))")

            // On to a few steps past the interruption, and the same run in one go: the same state.
            let end = step + 7
            let resumed = try #require(try RunningTool.run("rnn-train", [
                "--text", text, "--backend", "cpu", "--steps", "\(end)", "--log-every", "5", "--eval-every", "10",
                "--val-batches", "2", "--out", out.path, "--resume", checkpoint.path], seconds: Self.deadline))
            #expect(resumed.status == 0, "\(resumed.errors)")
            let straightOut = directory.appendingPathComponent("straight-\(trial)")
            let straight = try #require(try RunningTool.run("rnn-train", options + ["--steps", "\(end)", "--out", straightOut.path],
                                                            seconds: Self.deadline))
            #expect(straight.status == 0, "\(straight.errors)")
            let resumedCheckpoint = try SafeTensors(contentsOf: checkpoint)
            let straightCheckpoint = try SafeTensors(contentsOf: straightOut.appendingPathComponent("checkpoint.safetensors"))
            #expect(resumedCheckpoint.metadata["step"] == String(end))
            #expect(resumedCheckpoint.names == straightCheckpoint.names)
            for name in straightCheckpoint.names {
                let a = try resumedCheckpoint.floats(name).map(\.bitPattern), b = try straightCheckpoint.floats(name).map(\.bitPattern)
                #expect(a == b, "trial \(trial), interrupted at \(step): \(name) differs from the uninterrupted run's")
            }
            #expect(resumedCheckpoint.metadata == straightCheckpoint.metadata)

            // The history: every row of the uninterrupted run whose span (since the row before it) does
            // not straddle the interruption, with the same losses. The row that does averages fewer steps.
            let resumedRows = Dictionary(try history(out).map { ($0.step, $0.losses) }, uniquingKeysWith: { $1 })
            var previous = 0, compared = (before: 0, after: 0)
            for row in try history(straightOut) {
                defer { previous = row.step }
                guard row.step <= step || previous >= step else { continue }
                #expect(resumedRows[row.step] == row.losses, "trial \(trial), interrupted at \(step): row \(row.step)")
                if row.step <= step { compared.before += 1 } else { compared.after += 1 }
            }
            #expect(compared.before >= 2 && compared.after >= 1, "\(compared)")
        }
    }

    /// The built-in task keeps no checkpoint, but stops as cleanly: after a step, with 130 and a
    /// line that says so, and without the evaluation of a finished run.
    @Test func ctrlCStopsTheBuiltInTask() throws {
        let running = try RunningTool("rnn-train", ["--backend", "cpu", "--steps", "10000000"])
        defer { running.terminate() }
        try #require(running.waitForOutput(containing: "model ", seconds: Self.deadline), "\(running.outputSoFar)")
        running.send(SIGINT)
        let result = try #require(running.waitForExit(seconds: Self.deadline), "rnn-train did not stop on SIGINT")
        #expect(result.exited && result.status == 130, "status \(result.status): \(result.errors)")
        #expect(result.errors.contains("interrupted at step ") && result.errors.contains("no checkpoint"), "\(result.errors)")
        #expect(!result.output.contains("held-out"), "\(result.output)")
    }
}
