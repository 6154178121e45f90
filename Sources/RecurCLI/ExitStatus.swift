import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Parses and runs the command. ArgumentParser exits 64 (EX_USAGE) on a usage error; scripts
    /// around these tools (CI, the peer comparison) take 1 to mean "a check failed" and 2 to mean
    /// "the command line or an input was unusable", as diff and grep do. So every error ends in 2,
    /// except help and clean exits, the exit codes a command chooses itself (`ExitCode`), and a run
    /// stopped by a signal (`InterruptedRun`: 128 + the signal, 130 for Ctrl-C, as shells expect).
    ///
    /// Around the command: the driver settings first (`DriverSettings`, before any thread or OpenCL
    /// call), and the backends' profiles last (`Backends.reportProfiles`), on every way out but a
    /// second Ctrl-C.
    public static func mainExitingTwoOnErrors() {
        DriverSettings.apply()
        do {
            var command = try parseAsRoot()
            try command.run()
            Console.flush()
            Backends.reportProfiles()
        } catch let interrupted as InterruptedRun {
            Console.flush()
            Console.error(interrupted.message)
            Backends.reportProfiles()
            Foundation.exit(interrupted.exitStatus)
        } catch {
            if error is ExitCode || exitCode(for: error).isSuccess {
                Console.flush()
                Backends.reportProfiles()
                exit(withError: error)
            }
            Console.flush()
            Console.error(fullMessage(for: error))
            Backends.reportProfiles()
            Foundation.exit(2)
        }
    }
}
