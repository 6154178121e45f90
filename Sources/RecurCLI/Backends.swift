import Foundation
import Recur
import RecurCPU
import RecurOpenCL

/// Making the backends a command line asks for: `--backend` and `--device`, with the options
/// the RECUR_* variables set (`BackendSettings`).
public enum Backends {
    /// The OpenCL backend on `device` (an index or part of a name; nil: RECUR_DEVICE, else the
    /// first GPU, else the first CPU device). Throws, saying what to install, without OpenCL.
    public static func openCL(device: String?) throws -> any Backend {
        let settings = try BackendSettings.current(device: device)
        _ = try openCLDevice(settings)
        return try OpenCLBackend(options: settings.openCL)
    }

    /// The OpenCL device `settings` ask for. A RECUR_DEVICE that matches no device is an
    /// `EnvironmentValueError` listing the devices, like every other unusable variable.
    public static func openCLDevice(_ settings: BackendSettings) throws -> Device {
        let selected = Result { () throws(OpenCLError) in try DeviceSelection.select(settings.openCL.device) }
        guard case let .failure(.noDevice(request, available)) = selected, settings.deviceSource == "RECUR_DEVICE" else {
            return try selected.get()
        }
        let devices = available.enumerated().map { "\($0) (\($1))" }.joined(separator: ", ")
        throw EnvironmentValueError(
            variable: "RECUR_DEVICE", value: request,
            accepted: available.isEmpty ? "the index or part of the name of a device (there are none)"
                : "the index or part of the name of one of these devices: \(devices)")
    }

    /// The CPU backend, with the RECUR_CPU_* settings (`BackendSettings`).
    public static func cpu() throws -> CPUBackend {
        try CPUBackend(options: BackendSettings.current().cpu)
    }

    /// What `--backend auto` runs: an OpenCL GPU or accelerator where the machine has one, else the
    /// CPU backend, saying on stderr why OpenCL was passed over. A CPU OpenCL device (POCL) runs on
    /// the same cores as the CPU backend, which trains faster there: on this 2-core Zen 5, rnn-train's
    /// default job took 0.24 s against 0.95 s on POCL and the character model ran at 67.0k against
    /// 57.7k chars/s. A device named on the command line or in RECUR_DEVICE is a request, not a
    /// preference: OpenCL runs on it, and when it cannot start that is an error.
    public static func automatic(device: String?, tool: String) throws -> any Backend {
        if try BackendSettings.current(device: device).openCL.device != nil {
            return try openCL(device: device)
        }
        let chosen: Device
        do {
            chosen = try DeviceSelection.select()
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
        } catch let error as EnvironmentValueError {
            throw error   // the user's setting, not the machine: an error, as for a named backend
        } catch {
            Console.error("\(tool): OpenCL left out: \(error)")
            return [cpu]
        }
    }
}

extension Backends {
    /// Prints, on stderr, the profile of every kind the settings asked for (RECUR_CPU_PROFILE,
    /// RECUR_OPENCL_PROFILE) that timed anything: the rows of every backend the process made.
    /// `mainExitingTwoOnErrors` calls it when the command ends, whether it finished, failed or
    /// was interrupted.
    public static func reportProfiles() {
        guard case let .success(settings) = BackendSettings.ofProcess else { return }
        if let profile = settings.cpu.profile, !profile.isEmpty { Console.error(profile.report) }
        if let profile = settings.openCL.profile, !profile.isEmpty { Console.error(profile.report) }
    }
}

extension Backend {
    /// "cpu (…)" or "opencl (device …)": where a run ran.
    public var summary: String { "\(name) (\(deviceDescription))" }
}
