import ArgumentParser
import Recur
import RecurCPU

/// The `--backend` value of every subcommand. A choice names one or more backends, so that a
/// command simply runs its work on each of the list in turn.
///
/// To add a backend: a case here, its line in `makeBackends`. `all` (every backend this build and
/// machine can run, in turn) belongs here too once there is more than one.
enum BackendChoice: String, CaseIterable, ExpressibleByArgument {
    case cpu

    // ArgumentParser lists `allCases` in --help and in the error for an unknown name.

    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    /// The backends to run, in report order. Throws when a named backend cannot start on this machine.
    func makeBackends() throws -> [any Backend] {
        switch self {
        case .cpu: return [CPUBackend()]
        }
    }
}
