/// What went wrong in the OpenCL runtime, with enough context to act on: the failing call and
/// the status name, the build log of a kernel file, the devices there are, the sizes involved.
public enum OpenCLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An OpenCL call returned an error status.
    case call(String, CLStatus)
    /// A program did not build. `file` is the kernel file ("lstm_forward.cl"), `options` the
    /// build options it was given, `log` the device compiler's output.
    case buildFailed(file: String, options: String, log: String)
    /// No OpenCL platform (driver) is installed.
    case noPlatform
    /// No device matches `request` ("default" when none was asked for); `available` lists the devices.
    case noDevice(request: String, available: [String])
    /// A launch would read or write past the end of a buffer argument (`argument` is its index).
    case bufferTooSmall(kernel: KernelName, argument: Int, neededElements: Int, availableElements: Int)
    /// The device cannot hold an allocation of `requestedBytes`; `reason` says which limit or
    /// which call said so.
    case outOfDeviceMemory(requestedBytes: Int, device: String, reason: String)
    /// A value the runtime cannot pass on (a negative size, a launch that does not fit its kernel).
    case invalidArgument(String)
    /// A path the device's self-test did not qualify (`PathQualification`) was asked for by name
    /// (a forced time loop, tuned parameters of a GEMM path), or no path of a kind is left.
    case notQualified(path: String, device: String, reason: String)
    /// A launch asks for more than the device or the kernel allows (`LaunchLimits`): `what` is
    /// the work-group or the local memory, `requested` and `limit` are in `unit`s.
    case launchExceedsLimit(kernel: KernelName, what: String, requested: Int, limit: Int, unit: String)

    /// `CustomStringConvertible`: the failure in words, with the call, status, build log, devices or sizes it carries.
    public var description: String {
        switch self {
        case let .call(function, status):
            return "\(function) failed: \(status)"
        case let .buildFailed(file, options, log):
            return "Kernels/\(file) did not build (options: \(options.isEmpty ? "none" : options)):\n\(log)"
        case .noPlatform:
            return """
                no OpenCL platform is installed. For a CPU device, install POCL: \
                `apt-get install pocl-opencl-icd ocl-icd-opencl-dev` (or install your GPU vendor's \
                OpenCL driver). `--backend cpu` still works without OpenCL.
                """
        case let .noDevice(request, available):
            let list = available.isEmpty
                ? "there are no OpenCL devices"
                : "the devices are:\n" + available.enumerated().map { "  \($0): \($1)" }.joined(separator: "\n")
            return "no OpenCL device matches \"\(request)\" (a device request is an index or part of a name); \(list)"
        case let .bufferTooSmall(kernel, argument, needed, available):
            let parameters = kernel.parameters
            let name = parameters.indices.contains(argument) ? " (\(parameters[argument].name))" : ""
            return "\(kernel.rawValue): argument \(argument)\(name) needs \(needed) elements, its buffer has \(available)"
        case let .outOfDeviceMemory(bytes, device, reason):
            return "cannot allocate \(ByteCount(bytes)) on \(device): \(reason)"
        case let .invalidArgument(message):
            return message
        case let .notQualified(path, device, reason):
            return "\(path) is not qualified on \(device): its self-test failed (\(reason)); `rnn-bench devices` lists what is qualified"
        case let .launchExceedsLimit(kernel, what, requested, limit, unit):
            return "\(kernel.rawValue): a \(what) of \(requested) \(unit) exceeds the limit of \(limit) \(unit)"
        }
    }
}

/// A byte count for people: "4.00 GiB (4294967296 bytes)", or `short` "4.00 GiB".
struct ByteCount: CustomStringConvertible {
    var bytes: Int
    init(_ bytes: Int) { self.bytes = bytes }

    var description: String {
        bytes < 1024 ? short : "\(short) (\(bytes) bytes)"
    }

    var short: String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) bytes" }
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(units[unit])"
    }
}
