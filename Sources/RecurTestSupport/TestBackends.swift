import Foundation
import Recur
import RecurCPU
import RecurOpenCL

/// The backends the conformance suite runs on, by name. Every backend listed here runs the whole
/// suite. "cpu" runs the widest kernels the CPU has; where that is AVX-512, "cpu-avx2" runs the
/// 8-lane ones too, so that both sets pass every fixture. OpenCL is listed when a device exists, and also when RECUR_REQUIRE_OPENCL=1 (CI, where
/// POCL is installed): then a missing device fails every OpenCL test instead of skipping them.
/// Without a device and without the requirement, RecurOpenCLTests says so in its output.
public enum TestBackends {
    public static let isOpenCLRequired = ProcessInfo.processInfo.environment["RECUR_REQUIRE_OPENCL"] == "1"

    public static let names: [String] = {
        var names = ["cpu"]
        if CPUKernels.best != .avx2 { names.append("cpu-avx2") }
        if isOpenCLRequired || openCL.isSuccess { names.append("opencl") }
        return names
    }()

    /// Whether an OpenCL backend can start here (found once per test process).
    static let openCL = Result<Void, any Error> { _ = try OpenCLBackend() }

    public static func make(_ name: String) throws -> any Backend {
        switch name {
        case "cpu": return CPUBackend()
        case "cpu-avx2": return try CPUBackend(kernels: .avx2)
        // A backend per test: tests run in parallel and a backend's queue is not thread-safe.
        // Programs are still built once per device and options (ProgramCache).
        case "opencl": return try OpenCLBackend()
        default: throw RecurError.invalidValue("no test backend named \(name)")
        }
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
