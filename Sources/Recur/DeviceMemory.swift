import Foundation

/// The memory a backend's device has, read once: what a run is checked against before anything is
/// allocated (rnn-train's up-front check), and what an allocation is checked against before the
/// allocator is asked (a request far beyond it would otherwise abort the process or wait on swap).
public struct DeviceMemory: Sendable, Equatable {
    /// The device as a sentence names it: "the CPU (AMD EPYC 9B45)", "the OpenCL device pthread-EPYC".
    public var device: String
    /// All of its memory.
    public var totalBytes: Int
    /// The largest single buffer it makes (`totalBytes` where the device has no such limit).
    public var largestBufferBytes: Int
    /// What `totalBytes` is, for messages: "its physical memory", "its global memory (CL_DEVICE_GLOBAL_MEM_SIZE)".
    public var totalLabel: String
    /// What `largestBufferBytes` is, for messages.
    public var largestBufferLabel: String

    /// Memberwise; `host(device:)` makes the CPU's.
    public init(device: String, totalBytes: Int, largestBufferBytes: Int, totalLabel: String, largestBufferLabel: String) {
        self.device = device; self.totalBytes = totalBytes; self.largestBufferBytes = largestBufferBytes
        self.totalLabel = totalLabel; self.largestBufferLabel = largestBufferLabel
    }

    /// This machine's physical memory, as the CPU backend's device.
    public static func host(device: String) -> DeviceMemory {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        return DeviceMemory(device: device, totalBytes: physical, largestBufferBytes: physical,
                            totalLabel: "its physical memory", largestBufferLabel: "its physical memory")
    }

    /// The bytes of a buffer of `count` 32-bit elements, refused with a typed error when the product
    /// overflows or the device could never hold it (one buffer above `largestBufferBytes`, or above
    /// `totalBytes` less `inUse`, what the backend's buffers already hold).
    public func checkBuffer(count: Int, inUse: Int = 0) throws -> Int {
        guard count >= 0 else { throw RecurError.invalidValue("buffer size \(count) is negative") }
        let bytes = try CheckedSize.product([count, MemoryLayout<Float>.size], "a buffer of \(count) elements in bytes")
        if bytes > largestBufferBytes {
            throw RecurError.outOfDeviceMemory(bytes: bytes, device: device, limit: largestBufferLabel,
                                               available: largestBufferBytes, reason: nil)
        }
        if bytes > totalBytes - min(max(inUse, 0), totalBytes) {
            throw RecurError.outOfDeviceMemory(
                bytes: bytes, device: device, limit: totalLabel, available: totalBytes,
                reason: inUse > 0 ? "\(RecurError.bytes(inUse)) of it is held by this backend's buffers already" : nil)
        }
        return bytes
    }
}
