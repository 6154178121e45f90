import COpenCL
import Recur
@testable import RecurOpenCL
import Testing

/// `OpenCLBackend.makeBuffer` throws the same `RecurError` as the CPU backend for a buffer the
/// device cannot hold, naming the request and the device's figure.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct OpenCLAllocationFailures {
    @Test func aBufferBeyondTheLargestAllocationThrowsRecurError() throws {
        let backend = try TestDevice.backend()
        let device = backend.device
        for make in [backend.makeBuffer, backend.makeScratchBuffer] {
            let error = #expect(throws: RecurError.self) { _ = try make(1 << 40) }
            #expect(error == .outOfDeviceMemory(
                bytes: 1 << 42, device: "the OpenCL device \(device.name)",
                limit: "its largest single allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE)",
                available: device.maxAllocationBytes, reason: nil))
        }
        #expect(throws: RecurError.self) { _ = try backend.makeBuffer(count: Int.max / 2) }
        #expect(backend.deviceMemory.totalBytes == device.globalMemoryBytes)
    }

    /// A driver that runs out at clCreateBuffer (not reproducible on demand) gets the same error, with the status.
    @Test func clCreateBufferRunningOutIsRecurError() throws {
        let backend = try TestDevice.backend()
        let memory = backend.deviceMemory
        let status = CLStatus(CL_MEM_OBJECT_ALLOCATION_FAILURE)
        #expect(status.isOutOfMemory)
        let runtime = status.asAllocationError(call: "clCreateBuffer", bytes: 4096, device: backend.device)
        let error = OpenCLBackend.allocationError(runtime, bytes: 4096, memory: memory) as? RecurError
        #expect(error == .outOfDeviceMemory(
            bytes: 4096, device: memory.device, limit: "its global memory (CL_DEVICE_GLOBAL_MEM_SIZE)",
            available: memory.totalBytes, reason: "clCreateBuffer returned CL_MEM_OBJECT_ALLOCATION_FAILURE"))
        let other = OpenCLBackend.allocationError(.call("clCreateBuffer", CLStatus(CL_INVALID_VALUE)), bytes: 4, memory: memory)
        #expect(other as? OpenCLError == .call("clCreateBuffer", CLStatus(CL_INVALID_VALUE)))
    }
}
