import COpenCL

/// One kernel object of a built program. Not `Sendable`: `clSetKernelArg` is the one OpenCL call
/// that is not thread-safe, so a kernel belongs to one queue (`CommandQueue` caches its own).
final class Kernel {
    let raw: cl_kernel
    let program: Program
    let name: KernelName
    /// Queried once, when the kernel object is made (before any argument is set, so the local
    /// memory is the static part only).
    private(set) var limits: LaunchLimits

    init(program: Program, name: KernelName, device: Device) throws(OpenCLError) {
        var status: cl_int = CL_SUCCESS
        let kernel = clCreateKernel(program.raw, name.rawValue, &status)
        guard status == CL_SUCCESS, let kernel else {
            if let kernel { clReleaseKernel(kernel) }
            throw .call("clCreateKernel(\(name.rawValue))", CLStatus(status))
        }
        raw = kernel
        self.program = program
        self.name = name
        limits = LaunchLimits(maxWorkGroupSize: device.maxWorkGroupSize, deviceLocalMemoryBytes: device.localMemoryBytes,
                              staticLocalMemoryBytes: 0)
        let deviceID = device.id
        let workGroup = try Info.value("clGetKernelWorkGroupInfo(\(name.rawValue), CL_KERNEL_WORK_GROUP_SIZE)", as: Int.self) {
            clGetKernelWorkGroupInfo(kernel, deviceID, cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE), $0, $1, $2)
        }
        let localBytes = try Info.value("clGetKernelWorkGroupInfo(\(name.rawValue), CL_KERNEL_LOCAL_MEM_SIZE)", as: cl_ulong.self) {
            clGetKernelWorkGroupInfo(kernel, deviceID, cl_kernel_work_group_info(CL_KERNEL_LOCAL_MEM_SIZE), $0, $1, $2)
        }
        limits.maxWorkGroupSize = min(device.maxWorkGroupSize, workGroup)
        limits.staticLocalMemoryBytes = Int(clamping: localBytes)
    }

    deinit { clReleaseKernel(raw) }

    /// CL_KERNEL_NUM_ARGS: the parameter count the device compiler saw.
    func argumentCount() throws(OpenCLError) -> Int {
        let raw = self.raw
        return Int(try Info.value("clGetKernelInfo(CL_KERNEL_NUM_ARGS)", as: cl_uint.self) {
            clGetKernelInfo(raw, cl_kernel_info(CL_KERNEL_NUM_ARGS), $0, $1, $2)
        })
    }

    /// CL_KERNEL_WORK_GROUP_SIZE: the most work-items a work-group of this kernel may have on
    /// `device`, which can be below the device's CL_DEVICE_MAX_WORK_GROUP_SIZE (registers per
    /// work-item on GPUs). A launch with a larger local size fails with CL_INVALID_WORK_GROUP_SIZE.
    func workGroupSize(on device: Device) throws(OpenCLError) -> Int {
        let raw = self.raw, id = device.id
        return try Info.value("clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)", as: Int.self) {
            clGetKernelWorkGroupInfo(raw, id, cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE), $0, $1, $2)
        }
    }

    /// Sets argument `index`. OpenCL copies the value, so the temporaries here may die at once.
    func set(_ argument: KernelArgument, at index: Int) throws(OpenCLError) {
        let slot = cl_uint(index)
        let status: cl_int
        switch argument {
        case let .buffer(buffer, _):
            var mem: cl_mem? = buffer.raw
            status = clSetKernelArg(raw, slot, MemoryLayout<cl_mem>.size, &mem)
        case var .int32(value):
            status = clSetKernelArg(raw, slot, MemoryLayout<Int32>.size, &value)
        case var .float(value):
            status = clSetKernelArg(raw, slot, MemoryLayout<Float>.size, &value)
        case let .local(bytes):
            // A NULL value with a size reserves that much local memory per work-group.
            status = clSetKernelArg(raw, slot, bytes, nil)
        }
        // The call's description is built only on failure: building it for every argument of
        // every launch was ~3% of a POCL lstm-b1 step.
        if status != CL_SUCCESS { try check("clSetKernelArg(\(name.rawValue), \(index))", status) }
    }
}
