import Foundation
import RecurTestSupport
import Testing

/// `mpirun -np N rnn-train --text FILE`: the ranks read the batch's streams between them and average
/// their gradients, so that 2 ranks compute the run one rank computes, and a checkpoint written by
/// 2 ranks resumes on 3 (the carried state in it is the whole batch's). Rank 0 alone prints and
/// writes the files. mpirun comes with `openmpi-bin` (the README's set-up line).
@Suite struct DataParallelRunTests {
    func history(_ directory: URL) throws -> [Int: Double] {
        let csv = try String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8)
        var rows: [Int: Double] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if let loss = Double(fields[1]) { rows[Int(fields[0])!] = loss }
        }
        return rows
    }

    /// rnn-train under mpirun, one CPU thread a rank (the ranks share the machine's cores).
    func mpirun(ranks: Int, _ arguments: [String]) throws -> ToolProcess.Result {
        try ToolProcess.mpirun("rnn-train", ranks: ranks, arguments, environment: ["RECUR_CPU_THREADS": "1"])
    }

    @Test func twoRanksThenThreeGiveTheLossesOfOneRank() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        // SGD, whose update scales with the gradient: a reduction off by a factor would show.
        let options = ["--text", text, "--backend", "cpu", "--embedding", "8", "--hidden", "12", "--layers", "1",
                       "--batch", "6", "--seq-len", "10", "--optimizer", "sgd", "--lr", "0.5", "--log-every", "1",
                       "--eval-every", "10", "--checkpoint-every", "10", "--val-batches", "2"]
        let single = directory.appendingPathComponent("single"), ranks = directory.appendingPathComponent("ranks")

        let whole = try mpirun(ranks: 1, options + ["--steps", "20", "--out", single.path])
        #expect(whole.status == 0, "\(whole.output)\(whole.errors)")
        let first = try mpirun(ranks: 2, options + ["--steps", "10", "--out", ranks.path])
        #expect(first.status == 0, "\(first.output)\(first.errors)")
        #expect(first.output.contains("data-parallel on 2 ranks (mpirun): 3 streams each"), "\(first.output)")
        // Rank 0 alone prints: one summary line, not two.
        #expect(first.output.components(separatedBy: "trained steps 1-10").count == 2, "\(first.output)")
        let second = try mpirun(ranks: 3, options + ["--steps", "20", "--out", ranks.path,
                                                    "--resume", ranks.appendingPathComponent("checkpoint.safetensors").path])
        #expect(second.status == 0, "\(second.output)\(second.errors)")
        #expect(second.output.contains("resuming") && second.output.contains("at step 10"), "\(second.output)")

        let expected = try history(single), got = try history(ranks)
        #expect(expected.count == 20 && Set(got.keys) == Set(expected.keys), "\(got.keys.sorted())")
        for step in expected.keys.sorted() {
            let a = got[step] ?? .nan, b = expected[step]!
            #expect(abs(a - b) <= 1e-4 + 1e-4 * abs(b), "step \(step): \(a) on 2 then 3 ranks, \(b) on one")
        }
    }

    @Test func aBatchThatDoesNotSplitBetweenTheRanksIsRefused() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let result = try mpirun(ranks: 2, ["--text", text, "--backend", "cpu", "--batch", "5", "--steps", "2",
                                           "--out", directory.appendingPathComponent("out").path])
        #expect(result.status != 0 && result.status != 124)
        #expect(result.errors.contains("--batch 5 does not split evenly between 2 ranks"), "\(result.errors)")
    }
}
