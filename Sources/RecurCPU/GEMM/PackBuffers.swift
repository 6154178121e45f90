import Foundation

/// Packing space for one thread's share of a GEMM: a block of A (MC x KC), a block of B (KC x NC)
/// and one 6 x 32 tile for edge results.
///
/// Allocated once and reused: fresh multi-megabyte allocations would come back from mmap on every
/// call and fault their pages in again. Buffers are 64-byte aligned (one cache line) and carry a
/// little slack past the end for the packing routines' overlapping vector stores.
final class GemmScratch: @unchecked Sendable {
    let packedA: UnsafeMutablePointer<Float>
    let packedB: UnsafeMutablePointer<Float>
    let tile: UnsafeMutablePointer<Float>
    /// 8 x UInt32 all ones in heap memory; see `keep`.
    private let keepBits: UnsafeMutablePointer<UInt32>

    static let slack = 16

    /// The blocking whose largest blocks these buffers hold.
    let blocking: GEMMBlocking

    init(_ blocking: GEMMBlocking) {
        self.blocking = blocking
        packedA = Self.allocate(blocking.mc * blocking.kc + Self.slack)
        packedB = Self.allocate(blocking.kc * blocking.nc + Self.slack)
        tile = Self.allocate(gemmMR * 2 * gemmNR)
        keepBits = .allocate(capacity: 8)
        keepBits.initialize(repeating: .max, count: 8)
    }

    /// All ones, loaded from memory so that the optimizer cannot know the value (see `opaque`).
    var keep: SIMD8<UInt32> { UnsafeRawPointer(keepBits).loadUnaligned(as: SIMD8<UInt32>.self) }

    deinit {
        UnsafeMutableRawPointer(packedA).deallocate()
        UnsafeMutableRawPointer(packedB).deallocate()
        UnsafeMutableRawPointer(tile).deallocate()
        keepBits.deallocate()
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    /// Spare scratches, shared by every pool and thread. A thread takes one for the duration of
    /// one GEMM task and gives it back, so there are never more than the number of tasks running
    /// at once (plus a small cap of idle ones kept).
    /// Guarded by `sparesLock` (a pthread mutex, which ThreadSanitizer understands).
    nonisolated(unsafe) private static var spares: [GemmScratch] = []
    private static let sparesLock = NSLock()
    private static let maxSpares = 8

    /// Runs `body` with a scratch sized for `blocking`. Every backend of a process normally has
    /// the machine's blocking; a spare made for another one is dropped and a fresh one made.
    static func withScratch<R>(_ blocking: GEMMBlocking, _ body: (GemmScratch) -> R) -> R {
        sparesLock.lock()
        let spare = spares.popLast()
        sparesLock.unlock()
        let scratch = spare.flatMap { $0.blocking == blocking ? $0 : nil } ?? GemmScratch(blocking)
        defer {
            sparesLock.lock()
            if spares.count < maxSpares { spares.append(scratch) }
            sparesLock.unlock()
        }
        return body(scratch)
    }
}
