import Foundation
import Testing

/// `--resume` continues a run exactly: the same losses as the run that was never interrupted.
@Suite struct ResumeTests {
    /// history.csv's rows by step: (train_loss, val_loss).
    func history(_ directory: URL) throws -> [Int: (train: Double?, val: Double?)] {
        let csv = try String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8)
        var rows: [Int: (Double?, Double?)] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            rows[Int(fields[0])!] = (Double(fields[1]), Double(fields[2]))
        }
        return rows
    }

    @Test("a run resumed halfway gives the losses of one run", arguments: ["windows", "streams"])
    func halfThenResumeGivesTheLossesOfOneRun(batching: String) throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        // Two layers with dropout: the resumed run must also continue the dropout masks' sequence.
        let options = ["--text", text, "--log-every", "5", "--eval-every", "10", "--layers", "2", "--dropout", "0.2",
                       "--batching", batching]
            + RNNTrainProcess.tinyModel.filter { $0 != "--layers" && $0 != "1" }
        let straight = directory.appendingPathComponent("straight"), halves = directory.appendingPathComponent("halves")

        let whole = try RNNTrainProcess.run(options + ["--steps", "30", "--out", straight.path])
        #expect(whole.status == 0, "\(whole.errors)")
        let first = try RNNTrainProcess.run(options + ["--steps", "15", "--out", halves.path])
        #expect(first.status == 0, "\(first.errors)")
        // The second half names nothing but the text, the checkpoint and the new end: the rest comes
        // from the checkpoint.
        let second = try RNNTrainProcess.run(["--text", text, "--backend", "cpu", "--steps", "30", "--log-every", "5",
                                              "--eval-every", "10", "--val-batches", "2", "--out", halves.path,
                                              "--resume", halves.appendingPathComponent("checkpoint.safetensors").path])
        #expect(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("at step 15"))

        let expected = try history(straight), resumed = try history(halves)
        #expect(Set(resumed.keys) == Set(expected.keys), "the resumed history continues the first half's")
        for step in [20, 25, 30] {
            let a = try #require(expected[step]), b = try #require(resumed[step])
            let trainA = try #require(a.train), trainB = try #require(b.train)
            #expect(abs(trainA - trainB) <= 1e-5, "step \(step): \(trainA) straight, \(trainB) resumed")
        }
        let valA = try #require(expected[30]?.val), valB = try #require(resumed[30]?.val)
        #expect(abs(valA - valB) <= 1e-5, "final validation: \(valA) straight, \(valB) resumed")
        let valA20 = try #require(expected[20]?.val), valB20 = try #require(resumed[20]?.val)
        #expect(abs(valA20 - valB20) <= 1e-5)
    }
}
