import Foundation
import RecurTestSupport
import Testing

/// `RECUR_OPENCL_PROFILE=1`: the process prints each kernel's device time when it exits, and
/// without it nothing of the kind.
@Suite(.enabled(if: TestBackends.names.contains("opencl"), "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"))
struct KernelProfileReport {
    let arguments = ["run", "--backend", "opencl", "--config", "lstm-small", "--repeat", "1", "--warmup", "0"]

    @Test func profiledRunPrintsEveryCellKernelWithItsLaunches() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_OPENCL_PROFILE": "1"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("kernel profile"), "\(result.errors)")
        // One training and one inference step of lstm-small: 64 time steps, so the forward cell
        // runs 128 times and the backward cell 64 times.
        let lines = result.errors.split(separator: "\n").map(String.init)
        let forward = try #require(lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("lstm_forward ") })
        let backward = try #require(lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("lstm_backward ") })
        #expect(forward.contains(" 128 launches"), "\(forward)")
        #expect(backward.contains(" 64 launches"), "\(backward)")
    }

    @Test func unprofiledRunPrintsNoProfile() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_OPENCL_PROFILE": ""])
        #expect(result.status == 0, "\(result.errors)")
        #expect(!result.errors.contains("kernel profile"))
    }
}
