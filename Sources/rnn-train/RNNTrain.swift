import ArgumentParser
import Foundation

@main
struct RNNTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnn-train",
        abstract: "Train recurrent networks with Recur, on the CPU or an OpenCL device.",
        discussion: """
            With no arguments: learns 8-bit binary addition bit by bit (no files needed), then shows that \
            it adds held-out 8-bit numbers and longer 16- and 32-bit numbers it never saw.
            With --text FILE: a character-level language model of any UTF-8 text, with checkpoints, \
            --resume, a loss history (CSV and SVG) and samples.
            sample: generates text from a checkpoint.

            Exit status: 0 success, 2 unusable arguments or input files, or training that diverged.
            """,
        subcommands: [TrainCommand.self, SampleCommand.self],
        defaultSubcommand: TrainCommand.self
    )

    /// ArgumentParser exits 64 (EX_USAGE) on a usage error; like rnn-bench, every error here ends in 2
    /// (the command line or an input was unusable), except help and clean exits, so that scripts tell
    /// "rnn-train could not do what was asked" from a crash.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if error is ExitCode || exitCode(for: error).isSuccess {
                exit(withError: error)
            }
            Console.flush()
            Console.error(fullMessage(for: error))
            Foundation.exit(2)
        }
    }
}

/// Output helpers. Results (losses, accuracies, samples) go to stdout; progress and diagnostics to
/// stderr, so that `rnn-train ... > log.txt` keeps the results without the progress bar's redraws.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
    }

    static func flush() {
        fflush(nil)
    }

    /// Whether stderr is a terminal: only then is a redrawn progress bar readable.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// A failure the user can act on (a file, a value, a diverged run). Its description is the whole
/// message; `main` prints it and exits 2.
struct RNNTrainFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
