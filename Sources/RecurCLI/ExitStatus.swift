import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Parses and runs the command. ArgumentParser exits 64 (EX_USAGE) on a usage error; scripts
    /// around these tools (CI, the peer comparison) take 1 to mean "a check failed" and 2 to mean
    /// "the command line or an input was unusable", as diff and grep do. So every error ends in 2,
    /// except help and clean exits and the exit codes a command chooses itself (`ExitCode`).
    public static func mainExitingTwoOnErrors() {
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
