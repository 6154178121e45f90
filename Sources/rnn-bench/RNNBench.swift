import ArgumentParser
import Foundation

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

            Exit status: 0 success, 1 a fixture failed, 2 unusable arguments or input files.
            """,
        subcommands: [CheckCommand.self, RunCommand.self, DevicesCommand.self]
    )

    /// ArgumentParser exits 64 (EX_USAGE) on a usage error; scripts around this tool (CI, the peer
    /// comparison) take 1 to mean "a check failed" and 2 to mean "the command line was wrong", as
    /// diff and grep do. So every error ends in 2, except help and clean exits, and the exit codes
    /// the subcommands choose themselves (1 for failing fixtures), which keep their codes.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if error is ExitCode || exitCode(for: error).isSuccess {
                exit(withError: error)
            }
            Console.error(fullMessage(for: error))
            Foundation.exit(2)
        }
    }
}

/// Output helpers. Results go to stdout and everything else (progress, diagnostics) to stderr, so
/// that `rnn-bench ... > results.txt` keeps only results.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
    }

    /// Lines printed so far reach a pipe now rather than when the buffer fills: a long run is watched.
    static func flush() {
        fflush(nil)
    }
}
