import Foundation
import RecurTestSupport
import Testing

/// `RECUR_OPENCL_PROFILE=1`: the command prints each kernel's device time when it ends, and
/// without it nothing of the kind; `=ranges` prints a row per kernel and global range. The time
/// loop runs on one queue (`RECUR_OPENCL_LOOP=per-step`), so that the launch counts are the
/// steps' (the whole-sequence loop on a CPU device launches once per sequence and part of rows).
@Suite(.enabled(if: TestBackends.names.contains("opencl"), "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"))
struct KernelProfileReport {
    let arguments = ["run", "--backend", "opencl", "--config", "lstm-small", "--repeat", "1", "--warmup", "0", "--warmup-ms", "0"]

    @Test func profiledRunPrintsEveryCellKernelWithItsLaunches() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_OPENCL_PROFILE": "1", "RECUR_OPENCL_LOOP": "per-step"])
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

    @Test func rangesTellTheGEMMsOfAStepApart() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_OPENCL_PROFILE": "ranges", "RECUR_OPENCL_LOOP": "per-step"])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.errors.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        // The cell kernels run on (H, B) = 128 x 32 on every device: 64 steps of training and 64
        // of inference.
        let cell = try #require(lines.first { $0.hasPrefix("lstm_forward 128x32 ") }, "\(result.errors)")
        #expect(cell.contains(" 128 launches"), "\(cell)")
        // On CPU devices (the packed GEMM path) the recurrent product forward (32 x 512 x 128: 4
        // blocks of 8 rows, 16 pairs of panels) and the input projection (2048 x 512 x 64: 256
        // blocks, once per pass) are rows of their own.
        if lines.contains(where: { $0.hasPrefix("gemm_packed ") }) {
            let recurrent = try #require(lines.first { $0.hasPrefix("gemm_packed 4x16 ") }, "\(result.errors)")
            let projection = try #require(lines.first { $0.hasPrefix("gemm_packed 256x16 ") }, "\(result.errors)")
            #expect(recurrent.contains(" 128 launches"), "\(recurrent)")
            #expect(projection.contains(" 2 launches"), "\(projection)")
        }
    }

    @Test func unprofiledRunPrintsNoProfile() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_OPENCL_PROFILE": ""])
        #expect(result.status == 0, "\(result.errors)")
        #expect(!result.errors.contains("kernel profile"))
    }
}
