import COpenCL
import Recur

/// Host memory the OpenCL runtime allocates (CL_MEM_ALLOC_HOST_PTR) and keeps mapped for its whole
/// life: the pinned-memory pattern of NVIDIA's and AMD's OpenCL guides. Reads and writes of other
/// buffers that use its pointer as their host memory go by DMA straight from and to it, where
/// memory the runtime did not allocate is first copied through a pinned bounce buffer.
///
/// The object itself is never an argument of a kernel or a copy (which the spec forbids while it
/// is mapped); only its pointer is used, as the host memory of `CommandQueue.read(_:into:)` and
/// `write(from:to:)`.
public final class MappedHostMemory: HostStaging {
    private let raw: cl_mem
    private let queue: CommandQueue
    private let base: UnsafeMutablePointer<Float>
    /// `HostStaging.count`: capacity in floats.
    public let count: Int
    /// The context whose queue maps it.
    public var context: Context { queue.context }

    /// Allocates and maps `count` floats through `queue` (a blocking map: this waits once, at creation).
    public init(queue: CommandQueue, count: Int) throws(OpenCLError) {
        let device = queue.device
        let bytes = try Buffer.checkedBytes(count: count, on: device)
        var status: cl_int = CL_SUCCESS
        let flags = cl_mem_flags(CL_MEM_READ_WRITE) | cl_mem_flags(CL_MEM_ALLOC_HOST_PTR)
        let created = clCreateBuffer(queue.context.raw, flags, max(bytes, 4), nil, &status)
        guard status == CL_SUCCESS, let mem = created else {
            if let created { clReleaseMemObject(created) }
            throw CLStatus(status).asAllocationError(call: "clCreateBuffer(CL_MEM_ALLOC_HOST_PTR)", bytes: bytes, device: device)
        }
        let mapFlags = cl_map_flags(CL_MAP_READ) | cl_map_flags(CL_MAP_WRITE)
        let pointer = clEnqueueMapBuffer(queue.raw, mem, cl_bool(CL_TRUE), mapFlags, 0, max(bytes, 4), 0, nil, nil, &status)
        guard status == CL_SUCCESS, let pointer else {
            clReleaseMemObject(mem)
            throw CLStatus(status).asAllocationError(call: "clEnqueueMapBuffer", bytes: bytes, device: device)
        }
        raw = mem
        self.queue = queue
        self.count = count
        base = pointer.bindMemory(to: Float.self, capacity: max(count, 1))
        base.update(repeating: 0, count: count)
    }

    deinit {
        // The queue is in order: transfers into the pointer that are still queued run before the
        // unmap, and the object is released once the unmap has run.
        clEnqueueUnmapMemObject(queue.raw, raw, UnsafeMutableRawPointer(base), 0, nil, nil)
        clFlush(queue.raw)
        clReleaseMemObject(raw)
    }

    /// `HostStaging.values`.
    public var values: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
}
