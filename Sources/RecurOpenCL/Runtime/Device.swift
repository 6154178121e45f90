import COpenCL

/// One OpenCL device and what the runtime needs to know about it, read once. Root devices are
/// owned by their platform and never released (clReleaseDevice is for sub-devices only).
///
/// `@unchecked Sendable`: every property is immutable and OpenCL calls on the handle are thread-safe.
public final class Device: @unchecked Sendable {
    let id: cl_device_id
    /// The platform (driver) the device belongs to.
    public let platform: Platform
    /// CL_DEVICE_NAME, spaces trimmed.
    public let name: String
    /// CL_DEVICE_VENDOR, spaces trimmed.
    public let vendor: String
    /// CL_DEVICE_TYPE; when several type bits are set, GPU wins, then CPU, then accelerator.
    public let kind: Kind
    /// CL_DEVICE_MAX_COMPUTE_UNITS.
    public let computeUnits: Int
    /// CL_DEVICE_GLOBAL_MEM_SIZE.
    public let globalMemoryBytes: Int
    /// CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest single buffer.
    public let maxAllocationBytes: Int
    /// CL_DEVICE_VERSION: "OpenCL 1.2 ..." or later.
    public let openCLVersion: String
    /// CL_DRIVER_VERSION.
    public let driverVersion: String
    /// CL_DEVICE_MAX_WORK_GROUP_SIZE: the most work-items a work-group may have (a bound on
    /// the GEMM work-group shapes `rnn-bench tune` tries).
    public let maxWorkGroupSize: Int
    /// CL_DEVICE_LOCAL_MEM_SIZE: the local memory one work-group may use (static `__local`
    /// arrays plus `__local` arguments).
    public let localMemoryBytes: Int
    /// CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT: the float vector width the driver prefers (a CPU
    /// driver reports its SIMD width: 16 with AVX-512, 8 with AVX2).
    public let preferredFloatVectorWidth: Int

    /// The device type (CL_DEVICE_TYPE).
    public enum Kind: String, Sendable {
        case gpu, cpu, accelerator, other
    }

    init(id: cl_device_id, platform: Platform) throws(OpenCLError) {
        self.id = id
        self.platform = platform
        func string(_ param: Int32, _ label: String) throws(OpenCLError) -> String {
            try Info.string("clGetDeviceInfo(\(label))") { clGetDeviceInfo(id, cl_device_info(param), $0, $1, $2) }
        }
        func value<Value: BitwiseCopyable>(_ param: Int32, _ label: String, as type: Value.Type) throws(OpenCLError) -> Value {
            try Info.value("clGetDeviceInfo(\(label))", as: type) { clGetDeviceInfo(id, cl_device_info(param), $0, $1, $2) }
        }
        name = try string(CL_DEVICE_NAME, "CL_DEVICE_NAME").trimmingSpaces
        vendor = try string(CL_DEVICE_VENDOR, "CL_DEVICE_VENDOR").trimmingSpaces
        openCLVersion = try string(CL_DEVICE_VERSION, "CL_DEVICE_VERSION").trimmingSpaces
        driverVersion = try string(CL_DRIVER_VERSION, "CL_DRIVER_VERSION").trimmingSpaces
        kind = Kind(try value(CL_DEVICE_TYPE, "CL_DEVICE_TYPE", as: cl_device_type.self))
        computeUnits = Int(try value(CL_DEVICE_MAX_COMPUTE_UNITS, "CL_DEVICE_MAX_COMPUTE_UNITS", as: cl_uint.self))
        globalMemoryBytes = Int(clamping: try value(CL_DEVICE_GLOBAL_MEM_SIZE, "CL_DEVICE_GLOBAL_MEM_SIZE", as: cl_ulong.self))
        maxAllocationBytes = Int(clamping: try value(CL_DEVICE_MAX_MEM_ALLOC_SIZE, "CL_DEVICE_MAX_MEM_ALLOC_SIZE", as: cl_ulong.self))
        maxWorkGroupSize = Int(try value(CL_DEVICE_MAX_WORK_GROUP_SIZE, "CL_DEVICE_MAX_WORK_GROUP_SIZE", as: Int.self))
        localMemoryBytes = Int(clamping: try value(CL_DEVICE_LOCAL_MEM_SIZE, "CL_DEVICE_LOCAL_MEM_SIZE", as: cl_ulong.self))
        preferredFloatVectorWidth = Int(try value(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, "CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT",
                                                  as: cl_uint.self))
    }

    /// One line for device lists and reports: "NVIDIA H100 (gpu, NVIDIA CUDA, 132 compute units, 79.1 GiB)".
    public var summary: String {
        "\(name) (\(kind.rawValue), \(platform.name), \(computeUnits) compute units, \(ByteCount(globalMemoryBytes).short))"
    }
}

extension Device.Kind {
    /// A device may report several type bits (a CPU that is also the default device); the most
    /// specific one wins, in the order the default device choice prefers them.
    init(_ type: cl_device_type) {
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { self = .gpu }
        else if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { self = .cpu }
        else if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { self = .accelerator }
        else { self = .other }
    }
}

extension String {
    /// Drivers pad some names with spaces (Intel's CPU names, for one).
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
