import Foundation
import RecurTestSupport
import Testing

/// `RECUR_CPU_PROFILE=1`: the command prints each CPU operation's wall time when it ends, with the
/// time loops' phases, and without it nothing of the kind; `=shapes` prints a row per GEMM shape.
@Suite struct CPUProfileReport {
    let arguments = ["run", "--backend", "cpu", "--config", "lstm-small", "--repeat", "1", "--warmup", "0", "--warmup-ms", "0"]

    /// The row of the profile that starts with `name` followed by two spaces or more.
    func row(_ name: String, in text: String) -> String? {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix(name + "  ") }
    }

    @Test func profiledRunPrintsTheTimeLoopsAndTheirPhases() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_CPU_PROFILE": "1"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("cpu profile"), "\(result.errors)")
        // One training and one inference step of lstm-small: two forward loops of 64 steps (128
        // steps on the team's first thread) and one backward loop.
        let forward = try #require(row("recurrentForward", in: result.errors), "\(result.errors)")
        let backward = try #require(row("recurrentBackward", in: result.errors), "\(result.errors)")
        #expect(forward.contains(" 2 calls"), "\(forward)")
        #expect(backward.contains(" 1 calls"), "\(backward)")
        let product = try #require(row("recurrentForward: product", in: result.errors), "\(result.errors)")
        let cell = try #require(row("recurrentBackward: cell", in: result.errors), "\(result.errors)")
        #expect(product.contains(" 128 calls"), "\(product)")
        #expect(cell.contains(" 64 calls"), "\(cell)")
        #expect(row("gemm", in: result.errors) != nil && row("optimizerStep", in: result.errors) != nil, "\(result.errors)")
    }

    @Test func shapesTellTheGEMMsApart() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_CPU_PROFILE": "shapes"])
        #expect(result.status == 0, "\(result.errors)")
        // The input projection (T*B x 4H x I, B = W_ih^T) once per forward; the weight gradients
        // (4H x I and 4H x H over T*B, A = dGates^T) once per backward; no dX (the input's
        // gradient is not computed).
        let projection = try #require(row("gemm 2048x512x64 B^T", in: result.errors), "\(result.errors)")
        #expect(projection.contains(" 2 calls"), "\(projection)")
        #expect(row("gemm 512x64x2048 A^T", in: result.errors)?.contains(" 1 calls") == true, "\(result.errors)")
        #expect(row("gemm 512x128x2048 A^T", in: result.errors)?.contains(" 1 calls") == true, "\(result.errors)")
        #expect(row("gemm 2048x64x512", in: result.errors) == nil, "\(result.errors)")
    }

    @Test func unprofiledRunPrintsNoProfile() throws {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: ["RECUR_CPU_PROFILE": ""])
        #expect(result.status == 0, "\(result.errors)")
        #expect(!result.errors.contains("cpu profile"))
    }
}
