import Foundation
import Recur
@testable import RecurCPU
import Testing

/// A buffer the machine cannot hold is a typed error, never an abort: refused against the physical
/// memory before the system is asked, and reported when the system refuses.
@Suite struct CPUAllocationFailures {
    let backend = CPUBackend(threads: 1)

    @Test func aBufferBeyondPhysicalMemoryThrows() throws {
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        for make in [backend.makeBuffer, backend.makeScratchBuffer] {
            let error = #expect(throws: RecurError.self) { _ = try make(1 << 40) }
            guard case let .outOfDeviceMemory(bytes, device, limit, available, _) = error else {
                Issue.record("expected outOfDeviceMemory, got \(String(describing: error))")
                continue
            }
            #expect(bytes == 1 << 42)
            #expect(available == physical)
            #expect(device.hasPrefix("the CPU"))
            #expect(limit == "its physical memory")
            #expect(error?.description.contains("4.4 TB (4398046511104 bytes)") == true, "\(String(describing: error))")
        }
        #expect(backend.memory.bytesInUse == 0)
    }

    @Test func elementsWhoseBytesOverflowThrow() {
        #expect(throws: RecurError.self) { _ = try backend.makeBuffer(count: Int.max / 2) }
        #expect(throws: RecurError.invalidValue("buffer size -1 is negative")) { _ = try backend.makeBuffer(count: -1) }
    }

    /// What the backend's buffers hold counts: two buffers of 60% of the memory are not both granted.
    @Test func buffersAlreadyHeldCount() throws {
        let device = DeviceMemory(device: "a test device", totalBytes: 1000, largestBufferBytes: 1000,
                                  totalLabel: "its memory", largestBufferLabel: "its memory")
        #expect(try device.checkBuffer(count: 150, inUse: 0) == 600)
        let error = #expect(throws: RecurError.self) { _ = try device.checkBuffer(count: 150, inUse: 600) }
        #expect(error == .outOfDeviceMemory(bytes: 600, device: "a test device", limit: "its memory", available: 1000,
                                            reason: "600 bytes of it is held by this backend's buffers already"))
    }

    /// posix_memalign returning nothing (an address-space limit, a refusing kernel) becomes the same error.
    @Test func aRefusedAllocationThrows() throws {
        let refusing = HostMemoryPool(limitBytes: 0, allocator: { _ in nil })
        let error = #expect(throws: RecurError.self) {
            _ = try CPUBuffer(count: 1000, gauge: MemoryGauge(), pool: refusing, device: backend.deviceMemory)
        }
        guard case let .outOfDeviceMemory(bytes, _, _, _, reason) = error else {
            Issue.record("expected outOfDeviceMemory, got \(String(describing: error))")
            return
        }
        #expect(bytes == 4000)
        #expect(reason == "the system refused the allocation")
        // The pool's own allocator gives memory back through free(), as posix_memalign's needs.
        let granting = HostMemoryPool(limitBytes: 0)
        let buffer = try CPUBuffer(count: 16, gauge: MemoryGauge(), pool: granting, device: backend.deviceMemory)
        #expect(Int(bitPattern: buffer.raw) % 64 == 0)
    }

    /// A caller's shape whose product overflows is an error, not a multiplication trap.
    @Test func shapesWhoseProductOverflowsThrow() {
        #expect(throws: RecurError.self) { _ = try backend.zeros([1 << 40, 1 << 40]) }
        #expect(throws: RecurError.self) { _ = try backend.tensor([1], shape: [1 << 40, 1 << 40]) }
        #expect(throws: RecurError.self) { _ = try backend.indices([1], shape: [1 << 40, 1 << 40], limit: 2) }
    }

    /// The validation layer refuses such a layer before any allocation.
    @Test func aHiddenSizeOf2To31IsRefusedByTheDescriptor() {
        let error = #expect(throws: RecurError.self) { _ = try RNNDescriptor(mode: .lstm, inputSize: 8, hiddenSize: 1 << 31) }
        #expect(error == .limitExceeded(what: "hidden size", value: 1 << 31, limit: Limits.maxHiddenSize))
    }

    /// A descriptor within the limits whose parameters no machine holds (4 x 65536 x 2^20 per
    /// layer): the parameter buffer is refused before the initial values are drawn on the host.
    @Test func aLayerBeyondMemoryIsRefusedAtItsParameters() throws {
        let descriptor = try RNNDescriptor(mode: .lstm, inputSize: Limits.maxInputSize, hiddenSize: Limits.maxHiddenSize, numLayers: 4)
        let error = #expect(throws: RecurError.self) { _ = try RecurrentLayer(descriptor, backend: backend) }
        guard case .outOfDeviceMemory = error else {
            Issue.record("expected outOfDeviceMemory, got \(String(describing: error))")
            return
        }
    }
}
