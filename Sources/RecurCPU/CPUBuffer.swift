import Foundation
import Recur

/// Host memory for the CPU backend: 64-byte aligned (a cache line, and aligned SIMD loads),
/// zero-filled unless made as scratch that is written before it is read. Its memory goes back to
/// `HostMemoryPool` with the buffer.
public final class CPUBuffer: DeviceBuffer, @unchecked Sendable {
    /// `DeviceBuffer.count`: its capacity in 32-bit elements.
    public let count: Int
    let raw: UnsafeMutableRawPointer
    private let bytes: Int

    private let gauge: MemoryGauge
    private let pool: HostMemoryPool

    /// `bytes` is `count * 4`, checked by the caller (`DeviceMemory.checkBuffer`). Throws
    /// `outOfDeviceMemory` when the system refuses the memory.
    init(count: Int, gauge: MemoryGauge, zeroed: Bool = true, pool: HostMemoryPool = .shared, device: DeviceMemory) throws {
        self.count = count
        self.gauge = gauge
        self.pool = pool
        bytes = max(count, 1) * 4
        guard let memory = pool.take(bytes) else {
            throw RecurError.outOfDeviceMemory(bytes: bytes, device: device.device, limit: device.totalLabel,
                                               available: device.totalBytes, reason: "the system refused the allocation")
        }
        raw = memory
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        gauge.allocated(bytes)
    }

    deinit {
        gauge.freed(bytes)
        pool.give(raw, bytes)
    }

    var floats: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
    /// Index buffers (lengths, token ids) hold Int32 in the same 4-byte slots.
    var ints: UnsafeMutablePointer<Int32> { raw.assumingMemoryBound(to: Int32.self) }
}

extension Matrix {
    /// Element (0, 0) of a view into a CPU buffer. The backend checked ownership at the API edge
    /// (`RecurrentLayer` validates every user tensor), so this is an internal invariant.
    @inline(__always)
    var base: UnsafeMutablePointer<Float> {
        unsafeDowncast(buffer, to: CPUBuffer.self).floats + offset
    }
}

/// Freed buffer memory kept for the next buffer of the same size. A training step allocates the
/// same buffers every time; fresh memory from the system costs a page fault and a page clear per
/// 4 KiB (measured: 14% of an lstm-small step), reused memory only the zero fill.
final class HostMemoryPool: @unchecked Sendable {
    static let shared = HostMemoryPool(limitBytes: 1 << 30)

    /// 64-byte aligned memory from the system, nil when it refuses (Swift's own allocate would stop
    /// the process instead). Tests pass an allocator that refuses.
    typealias Allocator = @Sendable (_ bytes: Int) -> UnsafeMutableRawPointer?
    static let systemAllocator: Allocator = { bytes in
        var pointer: UnsafeMutableRawPointer?
        return posix_memalign(&pointer, 64, bytes) == 0 ? pointer : nil
    }
    private let allocate: Allocator

    /// Free blocks by size. Guarded by `lock` (a pthread mutex: ThreadSanitizer sees it, unlike a
    /// futex-based lock, so the CPU backend can be checked with it).
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var pooledBytes = 0
    private let lock = NSLock()
    private let limitBytes: Int

    init(limitBytes: Int, allocator: @escaping Allocator = systemAllocator) {
        self.limitBytes = limitBytes
        allocate = allocator
    }

    /// Pooled memory of `bytes`, else fresh memory; nil when the system has none to give.
    func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        lock.lock()
        let reused = free[bytes]?.popLast()
        if reused != nil { pooledBytes -= bytes }
        lock.unlock()
        return reused ?? allocate(bytes)
    }

    func give(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) {
        lock.lock()
        let kept = pooledBytes + bytes <= limitBytes
        if kept {
            free[bytes, default: []].append(pointer)
            pooledBytes += bytes
        }
        lock.unlock()
        if !kept { Foundation.free(pointer) }  // posix_memalign's memory
    }
}

/// `HostStaging` for the CPU backend: a buffer's memory, which its copies read and write directly.
final class CPUHostStaging: HostStaging {
    private let buffer: CPUBuffer
    init(buffer: CPUBuffer) { self.buffer = buffer }
    var count: Int { buffer.count }
    var values: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: buffer.floats, count: buffer.count) }
}
