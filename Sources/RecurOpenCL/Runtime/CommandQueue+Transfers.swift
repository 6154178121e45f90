import COpenCL

/// A 4-byte element type that buffers hold: `Float` values and `Int32` indices.
public protocol DeviceElement: BitwiseCopyable {}
extension Float: DeviceElement {}
extension Int32: DeviceElement {}

extension CommandQueue {
    /// Copies `values` into `buffer` from element `offset`, without waiting: a blocking write on an
    /// in-order queue would wait for every command before it (a host sync inside a training step,
    /// where inputs and targets are uploaded). The values are staged in host memory the queue owns
    /// until the device has read them (`StagedWrites`).
    public func write<Element: DeviceElement>(_ values: [Element], to buffer: Buffer, offset: Int = 0) throws(OpenCLError) {
        try checkRange(buffer, offset: offset, count: values.count, element: Element.self, what: "write")
        guard !values.isEmpty else { return }
        let staged = try staging.stage(values, queue: self)
        let status = clEnqueueWriteBuffer(raw, buffer.raw, cl_bool(CL_FALSE), offset * 4, staged.count, staged.baseAddress, 0, nil, nil)
        if status != CL_SUCCESS {
            throw CLStatus(status).asAllocationError(call: "clEnqueueWriteBuffer", bytes: buffer.byteCount, device: device)
        }
    }

    /// Reads `count` elements from element `offset`; waits for the queued work that precedes it.
    public func read<Element: DeviceElement>(_ buffer: Buffer, offset: Int = 0, count: Int, as type: Element.Type = Float.self) throws(OpenCLError) -> [Element] {
        try checkRange(buffer, offset: offset, count: count, element: Element.self, what: "read")
        guard count > 0 else { return [] }
        var status: cl_int = CL_SUCCESS
        let values = [Element](unsafeUninitializedCapacity: count) { storage, initialized in
            status = clEnqueueReadBuffer(raw, buffer.raw, cl_bool(CL_TRUE), offset * 4, count * 4, storage.baseAddress, 0, nil, nil)
            initialized = status == CL_SUCCESS ? count : 0
        }
        // A blocking read on an in-order queue completes every command before it, staged writes included.
        if status == CL_SUCCESS { staging.releaseAll() }
        if status != CL_SUCCESS {
            throw CLStatus(status).asAllocationError(call: "clEnqueueReadBuffer", bytes: buffer.byteCount, device: device)
        }
        return values
    }

    /// Copies `count` elements of `buffer` from `offset` into `host` from `index`, without waiting:
    /// they are there after the next `finish()`.
    public func read(_ buffer: Buffer, offset: Int, count: Int, into host: MappedHostMemory, at index: Int) throws(OpenCLError) {
        try transfer(buffer, offset: offset, count: count, host: host, at: index, write: false)
    }

    /// Copies `count` elements of `host` from `index` into `buffer` from `offset`, without waiting;
    /// the host leaves that memory alone until the next `finish()`.
    public func write(from host: MappedHostMemory, at index: Int, count: Int, to buffer: Buffer, offset: Int) throws(OpenCLError) {
        try transfer(buffer, offset: offset, count: count, host: host, at: index, write: true)
    }

    /// A non-blocking read or write between `buffer` and mapped host memory.
    private func transfer(_ buffer: Buffer, offset: Int, count: Int, host: MappedHostMemory, at index: Int,
                          write: Bool) throws(OpenCLError) {
        try checkRange(buffer, offset: offset, count: count, element: Float.self, what: write ? "write" : "read")
        try checkRange(host, at: index, count: count)
        guard count > 0 else { return }
        let pointer = host.values.baseAddress! + index
        let status = write
            ? clEnqueueWriteBuffer(raw, buffer.raw, cl_bool(CL_FALSE), offset * 4, count * 4, pointer, 0, nil, nil)
            : clEnqueueReadBuffer(raw, buffer.raw, cl_bool(CL_FALSE), offset * 4, count * 4, pointer, 0, nil, nil)
        if status != CL_SUCCESS {
            throw CLStatus(status).asAllocationError(call: write ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer",
                                                     bytes: buffer.byteCount, device: device)
        }
    }

    /// Sets `count` elements from `offset` (the whole buffer by default) to `value`, without waiting.
    public func fill<Element: DeviceElement>(_ buffer: Buffer, with value: Element, offset: Int = 0, count: Int? = nil) throws(OpenCLError) {
        let count = count ?? buffer.count - offset
        try checkRange(buffer, offset: offset, count: count, element: Element.self, what: "fill")
        guard count > 0 else { return }
        var pattern = value   // copied by the call: it may die when the call returns
        let status = clEnqueueFillBuffer(raw, buffer.raw, &pattern, 4, offset * 4, count * 4, 0, nil, nil)
        if status != CL_SUCCESS {
            throw CLStatus(status).asAllocationError(call: "clEnqueueFillBuffer", bytes: buffer.byteCount, device: device)
        }
    }

    /// Copies `count` elements between buffers (or non-overlapping ranges of one), without waiting.
    public func copy(from source: Buffer, offset sourceOffset: Int = 0, to destination: Buffer, offset destinationOffset: Int = 0, count: Int) throws(OpenCLError) {
        try checkRange(source, offset: sourceOffset, count: count, element: Float.self, what: "copy from")
        try checkRange(destination, offset: destinationOffset, count: count, element: Float.self, what: "copy to")
        guard count > 0 else { return }
        let status = clEnqueueCopyBuffer(raw, source.raw, destination.raw, sourceOffset * 4, destinationOffset * 4, count * 4, 0, nil, nil)
        if status != CL_SUCCESS {
            throw CLStatus(status).asAllocationError(call: "clEnqueueCopyBuffer", bytes: source.byteCount + destination.byteCount, device: device)
        }
    }

    private func checkRange(_ host: MappedHostMemory, at index: Int, count: Int) throws(OpenCLError) {
        guard index >= 0, count >= 0, index <= host.count, count <= host.count - index else {
            throw .invalidArgument("\(count) elements at \(index) do not fit host memory of \(host.count) elements")
        }
    }

    private func checkRange<Element>(_ buffer: Buffer, offset: Int, count: Int, element: Element.Type, what: String) throws(OpenCLError) {
        guard MemoryLayout<Element>.stride == 4 else {
            throw .invalidArgument("buffers hold 4-byte elements; \(Element.self) has \(MemoryLayout<Element>.stride) bytes")
        }
        guard buffer.context === context else {
            throw .invalidArgument("\(what): the buffer belongs to another context")
        }
        guard offset >= 0, count >= 0, offset <= buffer.count, count <= buffer.count - offset else {
            throw .invalidArgument("\(what) of \(count) elements at offset \(offset) does not fit a buffer of \(buffer.count) elements")
        }
    }
}

/// Host copies of values written without waiting, kept until the device has read them: until the
/// queue's next `finish()` or blocking read. Bounded: past `limitBytes` the queue finishes first.
final class StagedWrites {
    private var blocks: [UnsafeMutableRawBufferPointer] = []
    private var bytes = 0
    private let limitBytes = 64 << 20

    func stage<Element: DeviceElement>(_ values: [Element], queue: CommandQueue) throws(OpenCLError) -> UnsafeRawBufferPointer {
        let count = values.count * 4
        if bytes + count > limitBytes { try queue.finish() }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 64)
        values.withUnsafeBytes { block.copyMemory(from: $0) }
        blocks.append(block)
        bytes += count
        return UnsafeRawBufferPointer(block)
    }

    func releaseAll() {
        for block in blocks { block.deallocate() }
        blocks.removeAll()
        bytes = 0
    }

    deinit { releaseAll() }
}
