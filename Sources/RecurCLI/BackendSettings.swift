import Foundation
import RecurCPU
import RecurOpenCL

/// The backends' options as a command line sets them: the one place that reads the RECUR_*
/// environment variables (the libraries read none) and the commands' `--device`, and maps them
/// onto `CPUBackendOptions` and `OpenCLBackendOptions`. Every variable follows one policy: unset
/// or empty means the default, and any value that names nothing is an `EnvironmentValueError`
/// naming the variable and what it accepts (exit status 2).
///
/// - RECUR_CPU_THREADS: the CPU backend's threads, 1 to `CPUBackendOptions.maximumThreads`.
/// - RECUR_CPU_KERNELS: `avx2` or `avx512`, among those this CPU runs (`CPUKernels.supported`).
/// - RECUR_CPU_LOOP: the CPU time loop: `per-step`, or the team split `by-units` or `by-rows`.
/// - RECUR_CPU_PROFILE: `1` times each CPU operation, `shapes` each GEMM shape apart; `0` off.
/// - RECUR_CPU_CACHES: `L1D,L2,L3` (e.g. `48K,2M,8M`; L3 a core's share) in place of what the
///   machine reports: the CPU backend's blocking and split rules as another machine would get them.
/// - RECUR_OPENCL_LOOP: the OpenCL time loop, one of `OpenCLBackend.SequenceLoop`'s names.
/// - RECUR_OPENCL_PROFILE: `1` times each kernel, `ranges` each kernel and global range; `0` off.
/// - RECUR_DEVICE: the OpenCL device, an index or part of a name (`--device` wins over it).
/// - RECUR_TUNING: `off` (or `0`, `false`, `no`) ignores the GEMM tuning cache; `on` (`1`,
///   `true`, `yes`) uses it, as unset does.
/// - RECUR_CACHE_DIR: the cache directory, an absolute path (else $XDG_CACHE_HOME/recur, else
///   ~/.cache/recur): tuned GEMM parameters, and each device's self-test verdicts (whatever
///   RECUR_TUNING says).
public struct BackendSettings: Sendable {
    public var cpu: CPUBackendOptions
    public var openCL: OpenCLBackendOptions
    /// Where `openCL.device` came from, for messages: "--device", "RECUR_DEVICE", or nil (none).
    public var deviceSource: String?

    /// The settings `environment` and a `--device` value (nil: not given) describe.
    public init(environment: [String: String], device flag: String? = nil) throws(EnvironmentValueError) {
        let reader = EnvironmentReader(environment)
        cpu = CPUBackendOptions(
            threads: try reader.cpuThreads(), sequenceLoop: try reader.cpuLoop(),
            kernels: try reader.cpuKernels(), profile: try reader.cpuProfile(), caches: try reader.cpuCaches())
        let (device, source) = reader.device(flag: flag)
        deviceSource = source
        let tuningCache = try reader.tuningCache()
        openCL = OpenCLBackendOptions(
            device: device, sequenceLoop: try reader.openCLLoop(),
            tuningCache: tuningCache, profile: try reader.openCLProfile(),
            qualificationCache: tuningCache.directory.map(QualificationCache.init(directory:)))
    }

    /// The variables read, in the order they are checked.
    public static let variables = [
        "RECUR_CPU_THREADS", "RECUR_CPU_LOOP", "RECUR_CPU_KERNELS", "RECUR_CPU_PROFILE", "RECUR_CPU_CACHES",
        "RECUR_DEVICE", "RECUR_OPENCL_LOOP", "RECUR_CACHE_DIR", "RECUR_TUNING", "RECUR_OPENCL_PROFILE",
    ]

    /// This process's settings, read from its environment once: every backend the process makes
    /// shares the same profiles, which `Backends.reportProfiles()` prints when the command ends.
    static let ofProcess = Result { () throws(EnvironmentValueError) in
        try BackendSettings(environment: ProcessInfo.processInfo.environment)
    }

    /// This process's settings with the command's `--device` (nil: not given).
    public static func current(device flag: String? = nil) throws(EnvironmentValueError) -> BackendSettings {
        var settings = try ofProcess.get()
        if let flag {
            settings.openCL.device = flag.trimmingCharacters(in: .whitespaces).isEmpty ? nil : flag
            settings.deviceSource = settings.openCL.device == nil ? nil : "--device"
        }
        return settings
    }
}

/// Reads one variable at a time: unset and empty both mean "the default" (a variable exported
/// empty by a script is unset to the user).
private struct EnvironmentReader {
    let environment: [String: String]

    init(_ environment: [String: String]) { self.environment = environment }

    func value(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    func cpuThreads() throws(EnvironmentValueError) -> Int? {
        let name = "RECUR_CPU_THREADS"
        guard let value = value(name) else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        guard let threads = Int(text), (1...CPUBackendOptions.maximumThreads).contains(threads) else {
            throw EnvironmentValueError(
                variable: name, value: value,
                accepted: "a whole number of threads from 1 to \(CPUBackendOptions.maximumThreads)")
        }
        return threads
    }

    func cpuLoop() throws(EnvironmentValueError) -> CPUBackend.SequenceLoop {
        let name = "RECUR_CPU_LOOP"
        switch value(name) {
        case nil: return .team
        case "per-step": return .perStep
        case "by-units": return .teamByUnits
        case "by-rows": return .teamByRows
        case let value?: throw EnvironmentValueError(variable: name, value: value, accepted: "per-step, by-units or by-rows")
        }
    }

    func cpuKernels() throws(EnvironmentValueError) -> CPUKernels {
        let name = "RECUR_CPU_KERNELS"
        guard let value = value(name) else { return .best }
        guard let kernels = CPUKernels(rawValue: value), CPUKernels.supported.contains(kernels) else {
            let names = CPUKernels.supported.map(\.rawValue).joined(separator: " or ")
            throw EnvironmentValueError(variable: name, value: value, accepted: "\(names) (the kernels this CPU runs)")
        }
        return kernels
    }

    func cpuProfile() throws(EnvironmentValueError) -> OperationProfile? {
        let name = "RECUR_CPU_PROFILE"
        switch value(name) {
        case nil, "0": return nil
        case "1": return OperationProfile()
        case "shapes": return OperationProfile(byShape: true)
        case let value?:
            throw EnvironmentValueError(variable: name, value: value,
                                        accepted: "1 (a row per operation), shapes (a row per GEMM shape) or 0")
        }
    }

    func cpuCaches() throws(EnvironmentValueError) -> CPUCaches {
        let name = "RECUR_CPU_CACHES"
        guard let value = value(name) else { return .machine }
        let sizes = value.split(separator: ",", omittingEmptySubsequences: false).map { CPUCaches.parseSize(String($0)) }
        guard sizes.count == 3, let l1 = sizes[0], let l2 = sizes[1], let l3 = sizes[2] else {
            throw EnvironmentValueError(
                variable: name, value: value,
                accepted: "three sizes L1D,L2,L3 from 1K to 4G, e.g. 48K,2M,8M (L3: one core's share)")
        }
        return CPUCaches(l1Data: l1, l2: l2, l3PerCore: l3)
    }

    /// The flag when given, else RECUR_DEVICE; blank means the default device. Any other value is
    /// checked against the devices when an OpenCL backend is made (`Backends.openCLDevice`): a
    /// command that runs on the CPU only does not start OpenCL to check it.
    func device(flag: String?) -> (request: String?, source: String?) {
        if let flag {
            return flag.trimmingCharacters(in: .whitespaces).isEmpty ? (nil, nil) : (flag, "--device")
        }
        guard let value = value("RECUR_DEVICE"), !value.trimmingCharacters(in: .whitespaces).isEmpty else { return (nil, nil) }
        return (value, "RECUR_DEVICE")
    }

    func openCLLoop() throws(EnvironmentValueError) -> OpenCLBackend.SequenceLoop {
        let name = "RECUR_OPENCL_LOOP"
        guard let value = value(name) else { return .automatic }
        guard let loop = OpenCLBackend.SequenceLoop(rawValue: value) else {
            throw EnvironmentValueError(variable: name, value: value,
                                        accepted: Self.list(OpenCLBackend.SequenceLoop.allCases.map(\.rawValue)))
        }
        return loop
    }

    func openCLProfile() throws(EnvironmentValueError) -> KernelProfile? {
        let name = "RECUR_OPENCL_PROFILE"
        switch value(name) {
        case nil, "0": return nil
        case "1": return KernelProfile()
        case "ranges": return KernelProfile(byRange: true)
        case let value?:
            throw EnvironmentValueError(variable: name, value: value,
                                        accepted: "1 (a row per kernel), ranges (a row per kernel and global range) or 0")
        }
    }

    /// RECUR_CACHE_DIR, else the XDG location; switched by RECUR_TUNING.
    func tuningCache() throws(EnvironmentValueError) -> GEMMTuningCache {
        let directoryName = "RECUR_CACHE_DIR"
        let directory: String?
        if let explicit = value(directoryName) {
            // A relative directory would move with the working directory: the tuning written by
            // one run would not be found by the next.
            guard explicit.hasPrefix("/") else {
                throw EnvironmentValueError(variable: directoryName, value: explicit, accepted: "an absolute path to a directory")
            }
            directory = explicit
        } else {
            directory = GEMMTuningCache.standardDirectory(xdgCacheHome: value("XDG_CACHE_HOME"), home: value("HOME"))
        }
        let switchName = "RECUR_TUNING"
        let isEnabled: Bool
        switch value(switchName)?.lowercased() {
        case nil, "on", "1", "true", "yes": isEnabled = true
        case "off", "0", "false", "no": isEnabled = false
        default:
            throw EnvironmentValueError(variable: switchName, value: value(switchName) ?? "",
                                        accepted: "off (or 0, false, no) to ignore the GEMM tuning cache, on (or 1, true, yes) to use it")
        }
        return GEMMTuningCache(directory: directory, isEnabled: isEnabled)
    }

    /// "a, b or c".
    static func list(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
    }
}
