import COpenCL

/// An installed OpenCL driver (an ICD): POCL, a GPU vendor's driver. Platform IDs are owned by
/// the driver and never released.
///
/// `@unchecked Sendable`: the handle is immutable and OpenCL calls on it are thread-safe.
public final class Platform: @unchecked Sendable {
    let id: cl_platform_id
    /// CL_PLATFORM_NAME.
    public let name: String
    /// CL_PLATFORM_VENDOR.
    public let vendor: String
    /// "OpenCL 3.0 PoCL 3.1+debian ..."
    public let version: String

    init(id: cl_platform_id) throws(OpenCLError) {
        self.id = id
        name = try Info.string("clGetPlatformInfo(CL_PLATFORM_NAME)") { clGetPlatformInfo(id, cl_platform_info(CL_PLATFORM_NAME), $0, $1, $2) }
        vendor = try Info.string("clGetPlatformInfo(CL_PLATFORM_VENDOR)") { clGetPlatformInfo(id, cl_platform_info(CL_PLATFORM_VENDOR), $0, $1, $2) }
        version = try Info.string("clGetPlatformInfo(CL_PLATFORM_VERSION)") { clGetPlatformInfo(id, cl_platform_info(CL_PLATFORM_VERSION), $0, $1, $2) }
    }

    /// Every installed platform, in the ICD loader's order. Throws `noPlatform` when there is none.
    public static func all() throws(OpenCLError) -> [Platform] {
        var count: cl_uint = 0
        try checkPlatformQuery(status: clGetPlatformIDs(0, nil, &count), count: count)
        var ids = [cl_platform_id?](repeating: nil, count: Int(count))
        try check("clGetPlatformIDs", clGetPlatformIDs(count, &ids, nil))
        var platforms: [Platform] = []
        for case let id? in ids { platforms.append(try Platform(id: id)) }
        return platforms
    }

    /// Turns the answer to "how many platforms?" into `noPlatform` when there are none: the ICD
    /// loader says CL_PLATFORM_NOT_FOUND_KHR when no driver is installed, and some loaders
    /// instead succeed with a count of zero.
    static func checkPlatformQuery(status: cl_int, count: cl_uint) throws(OpenCLError) {
        if status == CL_PLATFORM_NOT_FOUND_KHR || (status == CL_SUCCESS && count == 0) { throw .noPlatform }
        try check("clGetPlatformIDs", status)
    }

    /// The platform's devices of every type; empty when it has none.
    public func devices() throws(OpenCLError) -> [Device] {
        var count: cl_uint = 0
        let status = clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &count)
        if status == CL_DEVICE_NOT_FOUND { return [] }
        try check("clGetDeviceIDs", status)
        var ids = [cl_device_id?](repeating: nil, count: Int(count))
        try check("clGetDeviceIDs", clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), count, &ids, nil))
        var devices: [Device] = []
        for case let deviceID? in ids { devices.append(try Device(id: deviceID, platform: self)) }
        return devices
    }
}
