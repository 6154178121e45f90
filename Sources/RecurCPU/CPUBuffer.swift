import Recur

/// Host memory for the CPU backend: 64-byte aligned (a cache line, and aligned SIMD loads),
/// zero-filled, freed with the buffer.
public final class CPUBuffer: DeviceBuffer, @unchecked Sendable {
    public let count: Int
    let raw: UnsafeMutableRawPointer

    init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * 4
        raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    }

    deinit { raw.deallocate() }

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
