/// Host memory that a backend's transfers fill and drain without waiting, for callers that work
/// on gradients or parameters on the host between steps (the all-reduce of data-parallel
/// training). The backend owns it: on OpenCL it is memory the runtime allocated and mapped
/// (CL_MEM_ALLOC_HOST_PTR), which drivers pin, so a transfer goes straight between it and the
/// device instead of through a copy of its own.
///
/// The rule is the queue's: `Backend.enqueueRead` and `Backend.enqueueWrite` return at once, and
/// the host may read `values` only after `Backend.synchronize()`, and write them only when no
/// transfer that reads them is still queued (after a `synchronize()` too).
public protocol HostStaging: AnyObject {
    /// Capacity in 32-bit elements.
    var count: Int { get }
    /// The memory, `count` floats. Valid for the staging's life.
    var values: UnsafeMutableBufferPointer<Float> { get }
}

extension Backend {
    /// Checks a staging range (a caller's sizes), for the backends' `enqueueRead`/`enqueueWrite`.
    public func checkStagingRange(_ staging: any HostStaging, at index: Int, count: Int) throws {
        guard index >= 0, count >= 0, index <= staging.count, count <= staging.count - index else {
            throw RecurError.invalidValue(
                "elements \(index)..<\(index + count) are outside a host staging buffer of \(staging.count) elements")
        }
    }
}
