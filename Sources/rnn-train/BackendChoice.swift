import ArgumentParser
import Recur
import RecurCPU
import RecurOpenCL

/// `--backend`: where the training runs. Like rnn-bench's choice, minus `all` (one run trains on one
/// backend), plus `auto`, the default.
enum BackendChoice: String, CaseIterable, ExpressibleByArgument {
    /// OpenCL when this machine has a device, else the CPU: the command works out of the box everywhere.
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
        case .cpu:
            return CPUBackend()
        case .opencl:
            return try OpenCLBackend(device: device)
        case .auto where device != nil:
            // A device named on the command line is a request, not a preference: no silent fallback.
            return try OpenCLBackend(device: device)
        case .auto:
            do {
                return try OpenCLBackend(device: device)
            } catch {
                Console.error("rnn-train: training on the CPU; OpenCL is not usable here: \(error)")
                return CPUBackend()
            }
        }
    }
}

extension Backend {
    /// "cpu (…)" or "opencl (device …)": the first line of every run says where it ran.
    var summary: String { "\(name) (\(deviceDescription))" }
}
