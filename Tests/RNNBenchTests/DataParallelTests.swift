import Foundation
import RecurTestSupport
import Testing

/// Data-parallel training under Open MPI's mpirun (`rnn-bench data-parallel`), as users start it:
/// N ranks on B/N sequences each compute what one rank computes on all B (the loss is the mean of
/// the shard means, and the gradients are averaged), the parameters end bit-identical on every
/// rank, and a rank that dies ends the job with mpirun's message instead of a hang.
/// mpirun comes with `openmpi-bin`, which the README's set-up line installs.
@Suite struct DataParallelTraining {
    static func mpirun(ranks: Int, _ arguments: [String]) throws -> ToolProcess.Result {
        try ToolProcess.mpirun("rnn-bench", ranks: ranks, ["data-parallel"] + arguments)
    }

    /// Rank 0's "step k loss v" lines.
    static func losses(_ result: ToolProcess.Result) -> [Double] {
        result.lines.filter { $0.hasPrefix("step ") }.compactMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("2 and 3 ranks give one rank's losses, parameters identical on every rank",
          arguments: TestBackends.names.contains("opencl") ? ["cpu", "opencl"] : ["cpu"])
    func ranksAgreeWithOneRank(backend: String) throws {
        // 100 steps of SGD on each backend (whose update scales with the gradient, unlike Adam's) with global-norm
        // clipping: any difference between the ranks' updates would show in the parameters' bits;
        // the losses may differ by float rounding only.
        let arguments = ["--backend", backend, "--optimizer", "sgd", "--batch", "6", "--steps", "100", "--hidden", "24"]
        let single = try Self.mpirun(ranks: 1, arguments)
        #expect(single.status == 0, "\(single.output)\(single.errors)")
        let reference = Self.losses(single)
        #expect(reference.count == 100, "\(single.output)")
        for ranks in [2, 3] {
            let result = try Self.mpirun(ranks: ranks, arguments)
            #expect(result.status == 0, "\(ranks) ranks: \(result.output)\(result.errors)")
            #expect(result.output.contains("parameters identical on every rank: yes"), "\(result.output)")
            #expect(result.output.contains("on \(ranks) ranks"), "\(result.output)")
            let losses = Self.losses(result)
            #expect(losses.count == reference.count)
            for (step, (got, expected)) in zip(losses, reference).enumerated() {
                #expect(abs(got - expected) <= 1e-4 + 1e-4 * abs(expected), "\(ranks) ranks, step \(step + 1): \(got) against \(expected)")
            }
        }
    }

    @Test func aRankThatExitsEndsTheJobWithMPIsMessage() throws {
        let result = try Self.mpirun(ranks: 3, ["--steps", "50", "--fail-rank", "1"])
        #expect(result.status == 3, "status \(result.status) (124: timed out): \(result.errors)")
        #expect(result.errors.contains("rank 1: exiting at step 2"), "\(result.errors)")
        #expect(result.errors.contains("exited with non-zero status") || result.output.contains("exited with non-zero status"),
                "\(result.output)\(result.errors)")
    }

    @Test func aBatchThatDoesNotSplitIsATypedError() throws {
        let result = try Self.mpirun(ranks: 2, ["--batch", "5", "--steps", "1"])
        #expect(result.status != 0)
        #expect(result.errors.contains("--batch 5 does not split evenly between 2 ranks"), "\(result.errors)")
    }
}
