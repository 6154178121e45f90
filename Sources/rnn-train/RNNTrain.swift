import ArgumentParser
import RecurCLI

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

            Ctrl-C or SIGTERM: training stops after the current step, a --text run saves its checkpoint and history \
            and prints how to resume; a second Ctrl-C exits at once.

            Exit status: 0 success, 2 unusable arguments or input files, or training that diverged, \
            130 (143) stopped by Ctrl-C (SIGTERM).
            """,
        subcommands: [TrainCommand.self, SampleCommand.self],
        defaultSubcommand: TrainCommand.self
    )

    static func main() { mainExitingTwoOnErrors() }
}

/// A failure the user can act on (a file, a value, a diverged run). Its description is the whole
/// message; `main` prints it and exits 2.
struct RNNTrainFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
