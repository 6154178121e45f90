import COpenCL

/// An in-order command queue on its context's device. Kernel launches and copies are enqueued
/// without waiting; the host waits only in `finish()` and in reads, where it needs the values.
///
/// Not `Sendable`: the queue owns its kernel objects, whose arguments are set before each launch
/// (`clSetKernelArg` is not thread-safe). Use one queue per thread or task.
public final class CommandQueue {
    let raw: cl_command_queue
    /// The context the queue was made in, kept alive by the queue.
    public let context: Context
    /// `-D` defines every program launched from this queue is built with (per-device tuning).
    public let defines: [String: String]

    /// Kernel objects by name and build options, made on first launch.
    var kernels: [KernelKey: Kernel] = [:]
    /// Build options by the extra defines of a launch, so that a launch does not build and sort
    /// an option string (a measurable share of a small-batch step's host time).
    var optionsByExtraDefines: [[String: String]: BuildOptions] = [:]
    /// Host copies of non-blocking writes still to be read by the device.
    let staging = StagedWrites()
    /// Where launches' device times go; nil: not profiled (no events are kept).
    let profile: KernelProfile?
    /// Launches not yet collected, when profiling.
    var profiled: [(KernelProfile.Key, cl_event)] = []

    struct KernelKey: Hashable {
        let name: KernelName
        let options: BuildOptions
    }

    /// The device that runs the queue's commands.
    public var device: Device { context.device }

    /// `profile`: where to add each launch's device time (nil: a plain queue, no events).
    public init(context: Context, defines: [String: String] = [:], profile: KernelProfile? = nil) throws(OpenCLError) {
        _ = try BuildOptions(defines: defines)   // reject bad defines here, not at the first launch
        var status: cl_int = CL_SUCCESS
        // In order; profiling only for `KernelProfile`. clCreateCommandQueue is the 1.2 call (2.0 renamed it).
        let properties = profile == nil ? 0 : cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE)
        let queue = clCreateCommandQueue(context.raw, context.device.id, properties, &status)
        guard status == CL_SUCCESS, let queue else {
            if let queue { clReleaseCommandQueue(queue) }
            throw .call("clCreateCommandQueue", CLStatus(status))
        }
        raw = queue
        self.context = context
        self.defines = defines
        self.profile = profile
    }

    deinit {
        // Staged writes may still be read: wait for them before their memory goes.
        clFinish(raw)
        if let profile, !profiled.isEmpty { profile.collect(profiled) }
        clReleaseCommandQueue(raw)
    }

    /// Waits until everything enqueued so far has run.
    public func finish() throws(OpenCLError) {
        try check("clFinish", clFinish(raw))
        staging.releaseAll()
        if let profile, !profiled.isEmpty {
            profile.collect(profiled)
            profiled.removeAll(keepingCapacity: true)
        }
    }

    /// Submits what is queued to the device without waiting.
    public func flush() throws(OpenCLError) {
        try check("clFlush", clFlush(raw))
    }
}
