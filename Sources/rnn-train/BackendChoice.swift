import ArgumentParser
import Recur
import RecurCLI

/// `--backend`: where the training runs. Like rnn-bench's choice, minus `all` (one run trains on one
/// backend), plus `auto`, the default.
enum BackendChoice: String, CaseIterable, ExpressibleByArgument {
    /// An OpenCL GPU or accelerator when this machine has one, else the CPU backend
    /// (`Backends.automatic`): the command works out of the box everywhere.
    case auto
    case cpu
    case opencl

    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    /// The backend to train on. A named backend that cannot start is an error (the user asked for
    /// it); `auto` says on stderr why OpenCL was passed over and goes on with the CPU.
    func makeBackend(device: String?) throws -> any Backend {
        switch self {
        case .cpu: return try Backends.cpu()
        case .opencl: return try Backends.openCL(device: device)
        case .auto: return try Backends.automatic(device: device, tool: "rnn-train")
        }
    }
}
