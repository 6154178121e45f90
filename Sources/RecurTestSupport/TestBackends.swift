import Foundation
import Recur
import RecurCPU
import RecurCLI
import RecurOpenCL

/// The backends the conformance suite runs on, by name. Every backend listed here runs the whole
/// suite. "cpu" runs the widest kernels the CPU has; where that is AVX-512, "cpu-avx2" runs the
/// 8-lane ones too, so that both sets pass every fixture. OpenCL is listed when a device exists, and also when RECUR_REQUIRE_OPENCL=1 (CI, where
/// POCL is installed): then a missing device fails every OpenCL test instead of skipping them.
/// Without a device and without the requirement, RecurOpenCLTests says so in its output.
/// RECUR_TEST_BACKENDS=opencl (a comma-separated list) runs the named backends only.
public enum TestBackends {
    public static let isOpenCLRequired = ProcessInfo.processInfo.environment["RECUR_REQUIRE_OPENCL"] == "1"

    /// The backends' options as the RECUR_* variables set them, mapped as the command lines map
    /// them (RecurCLI's `BackendSettings`): `RECUR_CPU_THREADS=4 swift test` runs the CPU backend on
    /// 4 threads, RECUR_DEVICE picks the OpenCL device. A value the command lines would refuse
    /// fails every test that makes a backend, with the same message. No profiles: nothing prints them.
    public static let settings = Result { () throws(EnvironmentValueError) -> BackendSettings in
        var settings = try BackendSettings(environment: ProcessInfo.processInfo.environment)
        settings.cpu.profile = nil
        settings.openCL.profile = nil
        // Every test process runs the device's self-test itself, never trusting a cached verdict.
        settings.openCL.qualificationCache = nil
        return settings
    }

    public static let names: [String] = {
        var names = ["cpu"]
        if CPUKernels.best != .avx2 { names.append("cpu-avx2") }
        if isOpenCLRequired || openCL.isSuccess { names.append("opencl") }
        guard let selection = selection else { return names }
        // A name that is not a backend here stays in the list: its tests fail with `make`'s error.
        return selection
    }()

    /// RECUR_TEST_BACKENDS: the backends to run, comma-separated (CI runs the conformance suite on
    /// each further OpenCL implementation with `opencl` alone: the CPU backends were run already);
    /// nil when unset or blank.
    static let selection: [String]? = {
        guard let value = ProcessInfo.processInfo.environment["RECUR_TEST_BACKENDS"] else { return nil }
        let names = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return names.isEmpty ? nil : names
    }()

    /// Whether an OpenCL backend can start here (found once per test process).
    static let openCL = Result<Void, any Error> { _ = try makeOpenCL() }

    public static func make(_ name: String) throws -> any Backend {
        switch name {
        case "cpu": return try CPUBackend(options: settings.get().cpu)
        case "cpu-avx2":
            var options = try settings.get().cpu
            options.kernels = .avx2
            return try CPUBackend(options: options)
        // A backend per test: tests run in parallel and a backend's queue is not thread-safe.
        // Programs are still built once per device and options (ProgramCache).
        case "opencl": return try makeOpenCL()
        default: throw RecurError.invalidValue("no test backend named \(name) (RECUR_TEST_BACKENDS takes cpu, cpu-avx2, opencl)")
        }
    }

    /// An OpenCL backend with the settings' options, after the driver settings the command lines
    /// make (POCL_AFFINITY: the tests run as fast as the tools).
    static func makeOpenCL() throws -> OpenCLBackend {
        DriverSettings.apply()
        return try OpenCLBackend(options: settings.get().openCL)
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
