import Recur
@testable import RecurOpenCL
import Testing

/// Every kernel builds on the test device, and three views of its parameter list agree: the
/// device compiler's (CL_KERNEL_NUM_ARGS), the generator's (KernelName.parameters) and its launch
/// struct's arguments, kind by kind, so a signature change fails here instead of corrupting memory.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct KernelSignatures {
    @Test(arguments: KernelName.allCases)
    func kernelBuildsWithTheParametersTheGeneratorRead(_ name: KernelName) throws {
        let kernel = try TestDevice.queue().kernel(name)
        #expect(try kernel.argumentCount() == name.parameterCount)
    }

    @Test(arguments: KernelName.allCases)
    func launchStructMatchesTheSignature(_ name: KernelName) throws {
        let buffer = try Buffer(context: TestDevice.context.get(), count: 64)
        let structs = LaunchExamples.all(buffer).filter { type(of: $0).kernel == name }.map(\.arguments)
        // A cell kernel is registered for both Elman cells, so it may appear twice, bound alike.
        let bound = try LaunchExamples.cells(buffer).filter { $0.kernel == name }.map(\.arguments)
        let examples = structs + bound
        try #require(!examples.isEmpty && (structs.isEmpty || bound.isEmpty),
                     "\(name.rawValue) needs exactly one example launch in LaunchExamples.swift, or registration in CellKernels")
        for arguments in examples {
            #expect(arguments.count == name.parameterCount)
            for (index, (argument, parameter)) in zip(arguments, name.parameters).enumerated() {
                #expect(parameter.accepts(argument), "\(name.rawValue) argument \(index): the kernel takes \(parameter), the launch passes \(argument)")
            }
        }
    }

    /// The per-step cell kernels' ranges assume the unit width their files define.
    @Test(arguments: CellMode.allCases)
    func perStepCellKernelsDefineTheRegisteredUnitWidth(_ mode: CellMode) {
        let kernels = CellKernels(mode)
        for name in [kernels.forward, kernels.backward] {
            #expect(name.file.source.contains("#define RECUR_UNIT_WIDTH \(kernels.unitsPerWorkItem)\n"), "\(name.rawValue)")
        }
    }

    /// A cell kernel parameter outside the vocabulary, or a view without its offset, is an error
    /// naming it, before anything is enqueued.
    @Test func unboundCellParametersAreErrors() throws {
        let buffer = try Buffer(context: TestDevice.context.get(), count: 64)
        let binding = CellBinding(batch: 1, hidden: 2, time: 0, mode: .lstm, lengths: nil)
        // lstm_forward takes xProj first, which this binding lacks.
        #expect {
            _ = try binding.arguments(for: .lstmForward, dummy: buffer)
        } throws: { error in
            guard case let .invalidArgument(message) = error as? OpenCLError else { return false }
            return message.contains("xProj")
        }
        // A kernel that is not a cell's takes parameters outside the vocabulary.
        #expect {
            _ = try CellBinding(batch: 1, hidden: 2, time: 0, mode: .lstm, lengths: nil).arguments(for: .gemmTiled, dummy: buffer)
        } throws: { error in
            guard case let .invalidArgument(message) = error as? OpenCLError else { return false }
            return message.contains("gemm_tiled")
        }
    }

    @Test func eachFileBuildsOncePerOptions() throws {
        let context = try TestDevice.context.get()
        let options = try BuildOptions(defines: ["RECUR_CACHE_PROBE": "1"])
        let first = try ProgramCache.shared.program(.elementwise, context: context, options: options)
        let second = try ProgramCache.shared.program(.elementwise, context: context, options: options)
        #expect(first === second)
        let other = try ProgramCache.shared.program(.elementwise, context: context, options: BuildOptions(defines: ["RECUR_CACHE_PROBE": "2"]))
        #expect(other !== first)
    }

    @Test func concurrentRequestsShareOneBuild() async throws {
        let context = try TestDevice.context.get()
        let options = try BuildOptions(defines: ["RECUR_CACHE_PROBE": "concurrent"])
        let programs = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { group in
            for _ in 0..<4 {
                group.addTask { ObjectIdentifier(try ProgramCache.shared.program(.elementwise, context: context, options: options)) }
            }
            return try await group.reduce(into: Set<ObjectIdentifier>()) { $0.insert($1) }
        }
        #expect(programs.count == 1)
    }
}
