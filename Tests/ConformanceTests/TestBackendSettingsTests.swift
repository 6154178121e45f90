import Foundation
import RecurCPU
import RecurTestSupport
import Testing

/// The conformance backends run as the RECUR_* variables set them, as the command lines would:
/// CI's `RECUR_CPU_THREADS=4 swift test --filter Conformance` runs the CPU backend on 4 threads.
@Suite struct ConformanceBackendSettings {
    @Test func theCPUBackendRunsOnTheThreadsAskedFor() throws {
        let backend = try #require(try TestBackends.make("cpu") as? CPUBackend)
        // Read here independently of the mapping under test.
        let asked = ProcessInfo.processInfo.environment["RECUR_CPU_THREADS"]
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        if let asked {
            #expect(backend.pool.threadCount == asked, "\(backend.deviceDescription)")
        } else {
            #expect(backend.pool === ThreadPool.shared, "\(backend.deviceDescription)")
        }
        print("conformance CPU backend: \(backend.deviceDescription)")
    }
}
