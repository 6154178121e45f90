/// One kernel launch, typed: each kernel has one struct conforming to this, whose stored
/// properties mirror the kernel's OpenCL signature, so host code never lists arguments by hand
/// at a call site and never spells a kernel name as a string. `CommandQueue.enqueue(_:)` checks the
/// arguments against the signature the generator read (`KernelName.parameters`) and every buffer
/// against the elements the launch touches, before anything is enqueued.
protocol KernelLaunch {
    /// The kernel this struct launches.
    static var kernel: KernelName { get }
    /// The kernel's arguments, in signature order.
    var arguments: [KernelArgument] { get }
    /// The NDRange, 1 to 3 dimensions. A range with a zero dimension launches nothing. When
    /// `localSize` is given, each dimension is rounded up to a multiple of it (kernels check bounds).
    var globalSize: [Int] { get }
    /// The work-group size, or nil to let the driver choose (but see `cpuGroups`).
    var localSize: [Int]? { get }
    /// Whether a CPU device sizes this launch's groups by `cpuLocalSize` (about 16 a compute
    /// unit, within the kernel's own limit) where `localSize` is nil; other devices take the
    /// driver's choice. For 2-D kernels whose work-items each do real work and check their bounds.
    /// The launcher applies it: it holds the device and the kernel's limit.
    var cpuGroups: Bool { get }
    /// `-D` defines this launch's program needs beyond the queue's (a variant, a tile size).
    var defines: [String: String] { get }
}

extension KernelLaunch {
    var localSize: [Int]? { nil }
    var cpuGroups: Bool { false }
    var defines: [String: String] { [:] }
}

/// One argument of a launch.
enum KernelArgument {
    /// A buffer, and the number of elements from its start that the launch may touch (the end of
    /// the furthest view it addresses: offset + (rows - 1) * ld + cols). Checked before enqueueing.
    case buffer(Buffer, needs: Int)
    case int32(Int32)
    case float(Float)
    /// Local (work-group shared) memory of this many bytes.
    case local(bytes: Int)
}

extension KernelArgument {
    /// `.buffer` for a row-major view of a buffer: it needs `offset + (rows - 1) * ld + cols`
    /// elements, or none when the view is empty.
    static func view(_ buffer: Buffer, offset: Int32, rows: Int32, cols: Int32, ld: Int32) -> KernelArgument {
        let needs = rows > 0 && cols > 0 ? Int(offset) + (Int(rows) - 1) * Int(ld) + Int(cols) : 0
        return .buffer(buffer, needs: needs)
    }
}
