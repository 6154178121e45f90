import COpenCL

extension CommandQueue {
    /// Enqueues one kernel launch without waiting. Everything is checked first: the arguments
    /// against the kernel's signature and every buffer against the elements the launch touches
    /// (`bufferTooSmall`), so a launch that throws has enqueued nothing and set no argument.
    func enqueue<Launch: KernelLaunch>(_ launch: Launch) throws(OpenCLError) {
        try enqueue(
            Launch.kernel, launch.arguments, global: launch.globalSize, local: launch.localSize, cpuGroups: launch.cpuGroups,
            defines: launch.defines)
    }

    /// Enqueues a launch whose arguments were bound by name (`CellBinding`), checked as above.
    func enqueue(_ launch: BoundLaunch) throws(OpenCLError) {
        try enqueue(launch.kernel, launch.arguments, global: launch.globalSize, local: launch.localSize, cpuGroups: false, defines: [:])
    }

    private func enqueue(
        _ name: KernelName, _ arguments: [KernelArgument], global globalSize: [Int], local localSize: [Int]?,
        cpuGroups: Bool, defines: [String: String]
    ) throws(OpenCLError) {
        try validate(arguments, for: name)
        try validate(global: globalSize, name: name)
        if globalSize.contains(0) { return }   // nothing to run, and OpenCL rejects empty ranges

        let kernel = try kernel(name, defines: defines)
        var localSize = localSize
        if localSize == nil, cpuGroups, device.kind == .cpu {
            localSize = cpuLocalSize(
                global: globalSize, computeUnits: device.computeUnits, maxItems: kernel.limits.maxWorkGroupSize)
        }
        let (global, local) = try ranges(global: globalSize, local: localSize, name: name)
        try kernel.limits.check(name, local: local, arguments: arguments)
        for (index, argument) in arguments.enumerated() { try kernel.set(argument, at: index) }
        var event: cl_event? = nil
        let status: cl_int = withUnsafeMutablePointer(to: &event) { eventSlot in
            let eventOut = profile == nil ? nil : eventSlot
            return global.withUnsafeBufferPointer { global in
                guard let local else {
                    return clEnqueueNDRangeKernel(raw, kernel.raw, cl_uint(global.count), nil, global.baseAddress, nil, 0, nil, eventOut)
                }
                return local.withUnsafeBufferPointer { local in
                    clEnqueueNDRangeKernel(raw, kernel.raw, cl_uint(global.count), nil, global.baseAddress, local.baseAddress, 0, nil, eventOut)
                }
            }
        }
        if let event, let profile { profiled.append((profile.key(name, global: global), event)) }
        if status != CL_SUCCESS {
            // Drivers allocate lazily, so the first launch that touches a buffer can be where memory runs out.
            let bytes = arguments.reduce(0) { total, argument in
                if case let .buffer(buffer, _) = argument { total + buffer.byteCount } else { total }
            }
            throw CLStatus(status).asAllocationError(call: "clEnqueueNDRangeKernel(\(name.rawValue))", bytes: bytes, device: device)
        }
    }

    /// The kernel object for `name` built with this queue's defines plus `extra`, made once per queue.
    func kernel(_ name: KernelName, defines extra: [String: String] = [:]) throws(OpenCLError) -> Kernel {
        let options: BuildOptions
        if let cached = optionsByExtraDefines[extra] {
            options = cached
        } else {
            options = try BuildOptions(defines: defines.merging(extra) { _, launch in launch })
            optionsByExtraDefines[extra] = options
        }
        let key = KernelKey(name: name, options: options)
        if let kernel = kernels[key] { return kernel }
        let program = try ProgramCache.shared.program(name.file, context: context, options: options)
        let kernel = try Kernel(program: program, name: name, device: device)
        kernels[key] = kernel
        return kernel
    }

    private func validate(_ arguments: [KernelArgument], for name: KernelName) throws(OpenCLError) {
        let parameters = name.parameters
        guard arguments.count == parameters.count else {
            throw .invalidArgument("\(name.rawValue) takes \(parameters.count) arguments, the launch passes \(arguments.count)")
        }
        for (index, (argument, parameter)) in zip(arguments, parameters).enumerated() {
            guard parameter.accepts(argument) else {
                throw .invalidArgument("\(name.rawValue): argument \(index) is \(parameter), the launch passes \(argument)")
            }
            switch argument {
            case let .buffer(buffer, needs):
                guard buffer.context === context else {
                    throw .invalidArgument("\(name.rawValue): argument \(index) (\(parameter.name)) belongs to another context")
                }
                guard needs <= buffer.count else {
                    throw .bufferTooSmall(kernel: name, argument: index, neededElements: needs, availableElements: buffer.count)
                }
            case let .local(bytes) where bytes <= 0:
                throw .invalidArgument("\(name.rawValue): argument \(index) (\(parameter.name)) asks for \(bytes) bytes of local memory")
            default:
                break
            }
        }
    }

    private func validate(global: [Int], name: KernelName) throws(OpenCLError) {
        guard (1...3).contains(global.count), global.allSatisfy({ $0 >= 0 }) else {
            throw .invalidArgument("\(name.rawValue): global size \(global) is not 1 to 3 non-negative dimensions")
        }
    }

    /// The range rounded up to a multiple of `local` (validated global sizes).
    private func ranges(global: [Int], local: [Int]?, name: KernelName) throws(OpenCLError) -> (global: [Int], local: [Int]?) {
        var global = global
        guard let local else { return (global, nil) }
        guard local.count == global.count, local.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument("\(name.rawValue): local size \(local) does not fit global size \(global)")
        }
        // OpenCL 1.2 needs global to be a multiple of local; the kernels check their bounds.
        for d in global.indices { global[d] = (global[d] + local[d] - 1) / local[d] * local[d] }
        return (global, local)
    }
}

extension KernelArgument: CustomStringConvertible {
    var description: String {
        switch self {
        case let .buffer(buffer, needs): "a buffer of \(buffer.count) elements (needs \(needs))"
        case let .int32(value): "int32 \(value)"
        case let .float(value): "float \(value)"
        case let .local(bytes): "\(bytes) bytes of local memory"
        }
    }
}
