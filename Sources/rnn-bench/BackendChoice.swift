import ArgumentParser
import Recur
import RecurCLI

/// The `--backend` value of every subcommand. A choice names one or more backends, so that a
/// command simply runs its work on each of the list in turn.
enum BackendChoice: String, CaseIterable, ExpressibleByArgument {
    case cpu
    case opencl
    /// Every backend this machine can run, in turn (OpenCL only where a device exists).
    case all

    // ArgumentParser lists `allCases` in --help and in the error for an unknown name.

    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    /// The backends to run, in report order. Throws when a named backend cannot start on this
    /// machine; `all` leaves out (and says on stderr) an OpenCL backend that cannot start.
    func makeBackends(device: String?) throws -> [any Backend] {
        switch self {
        case .cpu: return [try Backends.cpu()]
        case .opencl: return [try Backends.openCL(device: device)]
        case .all: return try Backends.all(device: device, tool: "rnn-bench")
        }
    }
}
