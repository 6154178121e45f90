import Foundation
import Recur
import RecurCPU
import RecurOpenCL

/// Making the backends a command line asks for: `--backend` and `--device`.
public enum Backends {
    /// The OpenCL backend on `device` (an index or part of a name; nil: RECUR_DEVICE, else the
    /// first GPU, else the first CPU device). Throws, saying what to install, without OpenCL.
    public static func openCL(device: String?) throws -> any Backend {
        try OpenCLBackend(device: device)
    }

    /// The CPU backend; `RECUR_CPU_LOOP` selects its time loop (to measure one against another):
    /// `per-step`, or a team split `by-units` or `by-rows`; unset or empty, the team chooses per
    /// shape. Any other value is an error that lists these, and so is a `RECUR_CPU_KERNELS` or
    /// `RECUR_CPU_THREADS` the backend would not use.
    public static func cpu() throws -> any Backend {
        // The library falls back to its defaults on values it cannot use; a command line stops
        // instead of timing or training something else.
        _ = try CPUKernels.requested()
        _ = try ThreadPool.requestedThreadCount()
        let loop: CPUBackend.SequenceLoop
        switch ProcessInfo.processInfo.environment["RECUR_CPU_LOOP"] ?? "" {
        case "": loop = .team
        case "per-step": loop = .perStep
        case "by-units": loop = .teamByUnits
        case "by-rows": loop = .teamByRows
        case let value:
            throw RecurError.invalidValue("RECUR_CPU_LOOP is \"\(value)\"; use per-step, by-units or by-rows, or leave it unset")
        }
        return CPUBackend(sequenceLoop: loop)
    }

    /// What `--backend auto` runs: an OpenCL GPU or accelerator where the machine has one, else the
    /// CPU backend, saying on stderr why OpenCL was passed over. A CPU OpenCL device (POCL) runs on
    /// the same cores as the CPU backend, which trains faster there: on this 2-core Zen 5, rnn-train's
    /// default job took 0.24 s against 0.95 s on POCL and the character model ran at 67.0k against
    /// 57.7k chars/s. A device named on the command line or in RECUR_DEVICE is a request, not a
    /// preference: OpenCL runs on it, and when it cannot start that is an error.
    public static func automatic(device: String?, tool: String) throws -> any Backend {
        let requested = device ?? ProcessInfo.processInfo.environment[DeviceSelection.environmentVariable]
        if let requested, !requested.trimmingCharacters(in: .whitespaces).isEmpty {
            return try openCL(device: requested)
        }
        let chosen: Device
        do {
            chosen = try DeviceSelection.select(nil)
        } catch {
            Console.error("\(tool): OpenCL is not usable here, running on the CPU: \(error)")
            return try cpu()
        }
        guard chosen.kind != .cpu else {
            Console.error("\(tool): the OpenCL device is a CPU (\(chosen.name)); the CPU backend is faster on the same cores, running there (--backend opencl runs OpenCL)")
            return try cpu()
        }
        do {
            return try openCL(device: nil)
        } catch {
            Console.error("\(tool): OpenCL is not usable here, running on the CPU: \(error)")
            return try cpu()
        }
    }

    /// Every backend this machine can run, CPU first (the reference for ratios); OpenCL is left out,
    /// with a word on stderr, where it cannot start.
    public static func all(device: String?, tool: String) throws -> [any Backend] {
        let cpu = try cpu()
        do {
            return [cpu, try openCL(device: device)]
        } catch {
            Console.error("\(tool): OpenCL left out: \(error)")
            return [cpu]
        }
    }
}

extension Backend {
    /// "cpu (…)" or "opencl (device …)": where a run ran.
    public var summary: String { "\(name) (\(deviceDescription))" }
}
