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
    /// `per-step`, or a team split `by-units` or `by-rows`; the default team chooses per shape.
    public static func cpu() -> any Backend {
        let loop: CPUBackend.SequenceLoop
        switch ProcessInfo.processInfo.environment["RECUR_CPU_LOOP"] {
        case "per-step": loop = .perStep
        case "by-units": loop = .teamByUnits
        case "by-rows": loop = .teamByRows
        default: loop = .team
        }
        return CPUBackend(sequenceLoop: loop)
    }

    /// OpenCL when it can start here, else the CPU, saying on stderr why OpenCL was passed over.
    /// A device named on the command line is a request, not a preference: no silent fallback then.
    public static func openCLOrCPU(device: String?, tool: String) throws -> any Backend {
        if device != nil { return try openCL(device: device) }
        do {
            return try openCL(device: nil)
        } catch {
            Console.error("\(tool): OpenCL is not usable here, running on the CPU: \(error)")
            return cpu()
        }
    }

    /// Every backend this machine can run, CPU first (the reference for ratios); OpenCL is left out,
    /// with a word on stderr, where it cannot start.
    public static func all(device: String?, tool: String) -> [any Backend] {
        do {
            return [cpu(), try openCL(device: device)]
        } catch {
            Console.error("\(tool): OpenCL left out: \(error)")
            return [cpu()]
        }
    }
}

extension Backend {
    /// "cpu (…)" or "opencl (device …)": where a run ran.
    public var summary: String { "\(name) (\(deviceDescription))" }
}
