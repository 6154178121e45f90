@testable import RecurOpenCL
import Testing

/// The errors a device run can produce, each with the context the message promises.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct ErrorPaths {
    @Test func aSourceThatDoesNotBuildThrowsTheFileOptionsAndLog() throws {
        let context = try TestDevice.context.get()
        let options = try BuildOptions(defines: ["RECUR_BROKEN": "1"])
        let broken = """
            #line 1 "Kernels/broken.cl"
            __kernel void broken(__global float* x) { x[0] = undefined_symbol; }
            """
        let error = thrownError { () throws(OpenCLError) in
            _ = try Program(context: context, sources: [KernelFile.common.source, broken], fileName: "broken.cl", options: options)
        }
        guard case let .buildFailed(file, usedOptions, log) = error else {
            Issue.record("expected buildFailed, got \(String(describing: error))")
            return
        }
        #expect(file == "broken.cl")
        #expect(usedOptions == "-cl-std=CL1.2 -D RECUR_BROKEN=1")
        #expect(!log.isEmpty)
        #expect(log.contains("undefined_symbol"), "log: \(log)")
        // The #line directive makes the log name the kernel file, not a temporary one.
        #expect(log.contains("broken.cl"), "log: \(log)")
        #expect(error?.description.contains("Kernels/broken.cl did not build") == true)
    }

    @Test func aTooSmallBufferThrowsAndEnqueuesNothing() throws {
        let queue = try TestDevice.queue()
        let buffer = try Buffer(context: queue.context, count: 100)
        try queue.fill(buffer, with: Float(7))
        // 11 rows of 10 need 110 elements.
        let error = thrownError { () throws(OpenCLError) in
            try queue.enqueue(FillMatrix(dst: buffer, off: 0, rows: 11, cols: 10, ld: 10, value: 1))
        }
        #expect(error == .bufferTooSmall(kernel: .fillMatrix, argument: 0, neededElements: 110, availableElements: 100))
        #expect(error?.description == "fill_matrix: argument 0 (dst) needs 110 elements, its buffer has 100")
        // Checked before the kernel was even made, let alone enqueued.
        #expect(queue.kernels.isEmpty)
        #expect(try queue.read(buffer, count: 100) == [Float](repeating: 7, count: 100))

        // The second buffer of a launch is checked too (copy_matrix's dst is argument 3).
        let small = try Buffer(context: queue.context, count: 5)
        let copyError = thrownError { () throws(OpenCLError) in
            try queue.enqueue(CopyMatrix(src: buffer, srcOff: 0, srcLd: 3, dst: small, dstOff: 0, dstLd: 3, rows: 2, cols: 3))
        }
        #expect(copyError == .bufferTooSmall(kernel: .copyMatrix, argument: 3, neededElements: 6, availableElements: 5))
    }

    /// A launch whose arguments do not follow its kernel's signature never reaches the device.
    struct MisorderedFill: KernelLaunch {
        static let kernel = KernelName.fillMatrix
        var dst: Buffer
        var arguments: [KernelArgument] { [.buffer(dst, needs: 1), .float(0), .int32(1), .int32(1), .int32(1), .int32(1)] }
        var globalSize: [Int] { [1, 1] }
    }

    struct ShortFill: KernelLaunch {
        static let kernel = KernelName.fillMatrix
        var dst: Buffer
        var arguments: [KernelArgument] { [.buffer(dst, needs: 1)] }
        var globalSize: [Int] { [1] }
    }

    @Test func argumentsThatDoNotFitTheSignatureAreRejected() throws {
        let queue = try TestDevice.queue()
        let buffer = try Buffer(context: queue.context, count: 4)
        let message = expectInvalidArgument { () throws(OpenCLError) in try queue.enqueue(MisorderedFill(dst: buffer)) }
        #expect(message?.contains("argument 1 is int off") == true, "\(String(describing: message))")
        let short = expectInvalidArgument { () throws(OpenCLError) in try queue.enqueue(ShortFill(dst: buffer)) }
        #expect(short == "fill_matrix takes 6 arguments, the launch passes 1")
        #expect(queue.kernels.isEmpty)
    }

    @Test func allocatingMoreThanTheDeviceAllowsThrowsOutOfDeviceMemory() throws {
        let context = try TestDevice.context.get()
        let device = context.device
        let count = device.maxAllocationBytes / 4 + 1
        let error = thrownError { () throws(OpenCLError) in _ = try Buffer(context: context, count: count) }
        guard case let .outOfDeviceMemory(bytes, name, reason) = error else {
            Issue.record("expected outOfDeviceMemory, got \(String(describing: error))")
            return
        }
        #expect(bytes == count * 4)
        #expect(name == device.name)
        #expect(reason.contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"))

        expectInvalidArgument { () throws(OpenCLError) in _ = try Buffer(context: context, count: -1) }
        expectInvalidArgument { () throws(OpenCLError) in _ = try Buffer(context: context, count: Int.max / 2) }
    }

    @Test func buffersOfAnotherContextAreRejected() throws {
        let queue = try TestDevice.queue()
        let other = try Context(device: queue.device)
        let foreign = try Buffer(context: other, count: 4)
        expectInvalidArgument { () throws(OpenCLError) in
            try queue.enqueue(FillMatrix(dst: foreign, off: 0, rows: 1, cols: 4, ld: 4, value: 0))
        }
        expectInvalidArgument { () throws(OpenCLError) in try queue.write([1] as [Float], to: foreign) }
    }
}
