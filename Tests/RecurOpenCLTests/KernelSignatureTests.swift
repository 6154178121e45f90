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
        let examples = LaunchExamples.all(buffer).filter { type(of: $0).kernel == name }
        try #require(examples.count == 1, "\(name.rawValue) needs exactly one example launch in LaunchExamples.swift (found \(examples.count))")
        let arguments = examples[0].arguments
        #expect(arguments.count == name.parameterCount)
        for (index, (argument, parameter)) in zip(arguments, name.parameters).enumerated() {
            #expect(parameter.accepts(argument), "\(name.rawValue) argument \(index): the kernel takes \(parameter), the launch passes \(argument)")
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
