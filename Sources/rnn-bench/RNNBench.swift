import ArgumentParser
import RecurCLI

@main
struct RNNBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnn-bench",
        abstract: "Correctness checks and timings of Recur's backends.",
        discussion: """
            check: runs PyTorch reference fixtures (shared/fixtures/FORMAT.md) on a backend and prints one \
            PASS or FAIL line per file and backend.
            run: times a training step and an inference step of the standard workloads \
            (shared/bench/configs.json, built in) and prints a table comparable with torch_bench.py's.
            pairs: alternates the PyTorch peer and Recur config by config and reports the ratios of \
            adjacent runs (on a machine whose speed drifts, the comparison that holds).
            tune: searches an OpenCL device's GEMM parameters and caches the fastest for that device \
            and driver; OpenCL backends then use them (RECUR_TUNING=off: the defaults).

            Exit status: 0 success, 1 a fixture failed, 2 unusable arguments or input files.
            """,
        subcommands: [CheckCommand.self, RunCommand.self, PairsCommand.self, DevicesCommand.self, PeakCommand.self, TuneCommand.self,
                      DataParallelCommand.self, SweepCommand.self]
    )

    static func main() { mainExitingTwoOnErrors() }
}
