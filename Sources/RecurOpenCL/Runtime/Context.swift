import COpenCL
import Recur
import Synchronization

/// An OpenCL context on one device. Buffers, programs and queues keep their context alive.
///
/// Programs are cached per context (`ProgramCache`), so code that wants each kernel file built
/// once per process uses `Context.shared(for:)`, one context per device for the whole process.
///
/// `@unchecked Sendable`: the handle is immutable and OpenCL calls on a context are thread-safe.
public final class Context: @unchecked Sendable {
    let raw: cl_context
    /// The one device the context is made on.
    public let device: Device
    /// Bytes held by this context's buffers, now and at peak.
    public let memory = MemoryGauge()

    /// A new context on `device`, with its own program cache; `shared(for:)` gives the process-wide one.
    public init(device: Device) throws(OpenCLError) {
        var properties: [cl_context_properties] = [
            cl_context_properties(CL_CONTEXT_PLATFORM), cl_context_properties(Int(bitPattern: device.platform.id)), 0,
        ]
        var deviceID: cl_device_id? = device.id
        var status: cl_int = CL_SUCCESS
        let context = clCreateContext(&properties, 1, &deviceID, nil, nil, &status)
        guard status == CL_SUCCESS, let context else {
            if let context { clReleaseContext(context) }
            throw .call("clCreateContext", CLStatus(status))
        }
        raw = context
        self.device = device
    }

    deinit { clReleaseContext(raw) }

    /// The process-wide context of `device`, made on first use and kept for the process.
    public static func shared(for device: Device) throws(OpenCLError) -> Context {
        try sharedContexts.withLock { (contexts) throws(OpenCLError) -> Context in
            let key = UInt(bitPattern: Int(bitPattern: device.id))
            if let context = contexts[key] { return context }
            let context = try Context(device: device)
            contexts[key] = context
            return context
        }
    }

    private static let sharedContexts = Mutex<[UInt: Context]>([:])
}
