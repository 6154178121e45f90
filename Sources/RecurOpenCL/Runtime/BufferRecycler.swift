import COpenCL
import Foundation

/// Memory objects of freed buffers, kept for the next buffer of the same size made for the same
/// queue. A training step makes the same buffers every time; a fresh `clCreateBuffer` on a CPU
/// device is fresh host memory, whose pages fault and clear again at first touch (2-3% of a POCL
/// lstm-medium step in a profile).
///
/// One recycler per backend, because reuse is only safe in queue order: a buffer released while
/// its queue still has commands reading it may be handed out again only for commands enqueued
/// after those on the same in-order queue. Buffers may be freed on any thread (hence the lock).
final class BufferRecycler: @unchecked Sendable {
    private var free: [Int: [cl_mem]] = [:]
    private var keptBytes = 0
    private let limitBytes: Int
    private let lock = NSLock()

    init(limitBytes: Int) { self.limitBytes = limitBytes }

    deinit {
        for mem in free.values.joined() { clReleaseMemObject(mem) }
    }

    /// A kept memory object of exactly `bytes`, or nil.
    func take(bytes: Int) -> cl_mem? {
        lock.lock()
        defer { lock.unlock() }
        guard let mem = free[bytes]?.popLast() else { return nil }
        keptBytes -= bytes
        return mem
    }

    /// Keeps `mem` for reuse; false when the recycler is full and the caller must release it.
    func give(_ mem: cl_mem, bytes: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard keptBytes + bytes <= limitBytes else { return false }
        free[bytes, default: []].append(mem)
        keptBytes += bytes
        return true
    }
}
