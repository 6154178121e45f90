import COpenCL
import Recur

/// Device memory: a `cl_mem` of 32-bit elements (`Float` values, `Int32` indices). Its contents
/// start undefined (OpenCL does not clear new memory); `CommandQueue.fill` zeroes it.
///
/// `@unchecked Sendable`: the handle is immutable and OpenCL calls on a memory object are thread-safe.
public final class Buffer: DeviceBuffer, @unchecked Sendable {
    let raw: cl_mem
    /// The context the memory belongs to, kept alive by the buffer.
    public let context: Context
    /// The size asked for. A zero-element buffer still holds 4 bytes on the device, because
    /// OpenCL has no empty buffers.
    public let byteCount: Int

    /// Where the memory object goes when the buffer is freed (nil: released at once).
    let recycler: BufferRecycler?

    /// Capacity in 32-bit elements.
    public var count: Int { byteCount / 4 }

    /// Allocates `count` 32-bit elements. Checks the request against the device's limits first, so
    /// a request the device can never satisfy fails with `outOfDeviceMemory` instead of whatever the
    /// driver does with it.
    public convenience init(context: Context, count: Int) throws(OpenCLError) {
        try self.init(context: context, count: count, recycler: nil)
    }

    /// As `init(context:count:)`, reusing a memory object `recycler` kept from a freed buffer of the
    /// same size when it has one, and giving this one's back to it when freed.
    init(context: Context, count: Int, recycler: BufferRecycler?) throws(OpenCLError) {
        let device = context.device
        let bytes = try Self.checkedBytes(count: count, on: device)
        self.context = context
        self.recycler = recycler
        byteCount = bytes
        if let kept = recycler?.take(bytes: max(bytes, 4)) {
            raw = kept
        } else {
            var status: cl_int = CL_SUCCESS
            let mem = clCreateBuffer(context.raw, cl_mem_flags(CL_MEM_READ_WRITE), max(bytes, 4), nil, &status)
            guard status == CL_SUCCESS, let mem else {
                if let mem { clReleaseMemObject(mem) }
                throw CLStatus(status).asAllocationError(call: "clCreateBuffer", bytes: bytes, device: device)
            }
            raw = mem
        }
        context.memory.allocated(bytes)
    }

    /// The bytes of `count` 32-bit elements, checked against `device`'s limits: an impossible size
    /// is `invalidArgument`, one the device can never hold `outOfDeviceMemory` (before the driver sees it).
    static func checkedBytes(count: Int, on device: Device) throws(OpenCLError) -> Int {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
        guard count >= 0, !overflow else { throw .invalidArgument("cannot allocate a buffer of \(count) elements") }
        if bytes > device.maxAllocationBytes {
            throw .outOfDeviceMemory(requestedBytes: bytes, device: device.name,
                reason: "the device's largest single allocation is \(ByteCount(device.maxAllocationBytes)) (CL_DEVICE_MAX_MEM_ALLOC_SIZE)")
        }
        if bytes > device.globalMemoryBytes {
            throw .outOfDeviceMemory(requestedBytes: bytes, device: device.name,
                reason: "the device has \(ByteCount(device.globalMemoryBytes)) of global memory")
        }
        return bytes
    }

    deinit {
        context.memory.freed(byteCount)
        // Safe while commands that use the buffer are still queued: OpenCL frees the memory only
        // after they finish, and a recycled object is only reused on the same in-order queue.
        if recycler?.give(raw, bytes: max(byteCount, 4)) != true { clReleaseMemObject(raw) }
    }
}

extension CLStatus {
    /// The statuses a driver returns when it runs out of memory, at allocation or at first use
    /// (drivers allocate lazily, so a launch or a copy can be the first to fail).
    var isOutOfMemory: Bool {
        rawValue == CL_MEM_OBJECT_ALLOCATION_FAILURE || rawValue == CL_OUT_OF_RESOURCES || rawValue == CL_OUT_OF_HOST_MEMORY
    }

    /// `outOfDeviceMemory` for a memory status, `.call` for any other.
    func asAllocationError(call: String, bytes: Int, device: Device) -> OpenCLError {
        isOutOfMemory
            ? .outOfDeviceMemory(requestedBytes: bytes, device: device.name, reason: "\(call) returned \(name)")
            : .call(call, self)
    }
}
