import Recur
import RecurCPU
import Testing

/// The memory a backend reports follows its buffers: up when made, down when freed, peak kept.
@Suite struct MemoryGauges {
    @Test func theCPUBackendCountsItsBuffers() throws {
        let backend = CPUBackend(threads: 1)
        let before = backend.memory.bytesInUse
        backend.memory.resetPeak()
        do {
            let a = try backend.makeBuffer(count: 1000)
            let b = try backend.makeBuffer(count: 500)
            #expect(backend.memory.bytesInUse == before + 6000)
            _ = (a, b)
        }
        #expect(backend.memory.bytesInUse == before)
        #expect(backend.memory.peakBytes == before + 6000)
        backend.memory.resetPeak()
        #expect(backend.memory.peakBytes == before)
    }
}
