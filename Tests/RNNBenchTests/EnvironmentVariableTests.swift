import Foundation
import RecurTestSupport
import Testing

/// Every RECUR_* variable rnn-bench reads refuses an unusable value the same way, whichever backend
/// the command runs: exit status 2, a message naming the variable and what it accepts, and no run.
@Suite struct EnvironmentVariables {
    static let arguments = ["run", "--backend", "cpu", "--config", "lstm-small", "--repeat", "1", "--warmup", "0", "--warmup-ms", "0"]

    static let unusable: [(variable: String, value: String, accepted: String)] = [
        ("RECUR_CPU_THREADS", "two", "1 to 1024"),
        ("RECUR_CPU_KERNELS", "avx1024", "avx2"),
        ("RECUR_CPU_LOOP", "by-colums", "by-rows"),
        ("RECUR_CPU_PROFILE", "yes", "shapes"),
        ("RECUR_CPU_CACHES", "lots", "L1D,L2,L3"),
        ("RECUR_OPENCL_LOOP", "fast", "per-step"),
        ("RECUR_OPENCL_PROFILE", "shapes", "ranges"),
        ("RECUR_TUNING", "maybe", "off"),
        ("RECUR_CACHE_DIR", "relative/cache", "absolute path"),
    ]

    @Test("an unusable value stops rnn-bench with a message naming the variable", arguments: unusable)
    func unusableValue(_ bad: (variable: String, value: String, accepted: String)) throws {
        let result = try ToolProcess.run("rnn-bench", Self.arguments, environment: [bad.variable: bad.value])
        #expect(result.exited)
        #expect(result.status == 2, "\(result.errors)")
        #expect(result.errors.contains("\(bad.variable) is \"\(bad.value)\""), "\(result.errors)")
        #expect(result.errors.contains(bad.accepted), "\(result.errors)")
        #expect(!result.lines.contains { $0.hasPrefix("lstm-small") }, "\(result.output)")
    }

    /// A RECUR_DEVICE that matches no device is refused the same way, with the devices listed.
    @Test(.enabled(if: TestBackends.names.contains("opencl"), "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"))
    func aDeviceMatchingNothing() throws {
        let result = try ToolProcess.run("rnn-bench", ["devices"], environment: ["RECUR_DEVICE": "no-such-device-anywhere"])
        #expect(result.status == 2, "\(result.errors)")
        #expect(result.errors.contains("RECUR_DEVICE is \"no-such-device-anywhere\"; use the index or part of the name of one of these devices: 0 ("),
                "\(result.errors)")
    }

    /// The settings reach the backend: the run's header says which loop and how many threads.
    @Test func theSettingsTakeEffect() throws {
        let result = try ToolProcess.run("rnn-bench", Self.arguments, environment: ["RECUR_CPU_THREADS": "3", "RECUR_CPU_LOOP": "by-units"])
        #expect(result.status == 0, "\(result.errors)")
        let header = try #require(result.lines.first { $0.hasPrefix("cpu: ") }, "\(result.output)")
        #expect(header.contains("3 threads") && header.contains("team by units time loop"), "\(header)")
    }
}
