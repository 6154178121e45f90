import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Parses and runs the command. ArgumentParser exits 64 (EX_USAGE) on a usage error; scripts
    /// around these tools (CI, the peer comparison) take 1 to mean "a check failed" and 2 to mean
    /// "the command line or an input was unusable", as diff and grep do. So every error ends in 2,
    /// except help and clean exits, the exit codes a command chooses itself (`ExitCode`), and a run
    /// stopped by a signal (`InterruptedRun`: 128 + the signal, 130 for Ctrl-C, as shells expect).
    public static func mainExitingTwoOnErrors() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let interrupted as InterruptedRun {
            Console.flush()
            Console.error(interrupted.message)
            Foundation.exit(interrupted.exitStatus)
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
