/// What one kernel object may be launched with on its device: checked before every launch, so
/// that an illegal work-group size or too much local memory is a typed error naming the kernel,
/// never a size handed to clEnqueueNDRangeKernel (where drivers fail vaguely, or not at all).
struct LaunchLimits: Equatable {
    /// The most work-items a work-group may have: the smaller of CL_DEVICE_MAX_WORK_GROUP_SIZE
    /// and the kernel's CL_KERNEL_WORK_GROUP_SIZE (registers can make a kernel's limit lower).
    var maxWorkGroupSize: Int
    /// CL_DEVICE_LOCAL_MEM_SIZE.
    var deviceLocalMemoryBytes: Int
    /// CL_KERNEL_LOCAL_MEM_SIZE before any argument is set: the kernel's static `__local`
    /// arrays (sized by `-D` defines) and what the implementation needs.
    var staticLocalMemoryBytes: Int

    /// Throws `launchExceedsLimit` when `local` (nil: the driver chooses, within the limit) or
    /// the local memory of the arguments plus the static arrays is more than the device allows.
    func check(_ name: KernelName, local: [Int]?, arguments: [KernelArgument]) throws(OpenCLError) {
        if let local {
            let items = local.reduce(1, *)
            if items > maxWorkGroupSize {
                throw .launchExceedsLimit(kernel: name, what: "work-group of \(local)", requested: items,
                                          limit: maxWorkGroupSize, unit: "work-items")
            }
        }
        let argumentBytes = arguments.reduce(0) { total, argument in
            if case let .local(bytes) = argument { total + bytes } else { total }
        }
        let bytes = staticLocalMemoryBytes + argumentBytes
        if bytes > deviceLocalMemoryBytes {
            throw .launchExceedsLimit(kernel: name, what: "local memory", requested: bytes,
                                      limit: deviceLocalMemoryBytes, unit: "bytes")
        }
    }
}
