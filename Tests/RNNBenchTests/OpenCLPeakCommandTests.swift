import Foundation
import RecurTestSupport
import Testing

/// `rnn-bench peak --backend opencl`: the OpenCL device's FMA kernel is measured and printed, and
/// each OpenCL GEMM is a share of it, not of the CPU loop.
@Suite(.enabled(if: TestBackends.names.contains("opencl"), "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"))
struct OpenCLPeakCommandTests {
    /// The first number of `line` after `prefix`.
    func number(in line: String, after prefix: String) -> Double? {
        guard let range = line.range(of: prefix) else { return nil }
        return Double(line[range.upperBound...].prefix { "0123456789.".contains($0) })
    }

    @Test func openCLGEMMsAreSharesOfTheOpenCLKernelsPeak() throws {
        let result = try ToolProcess.run("rnn-bench", ["peak", "--backend", "opencl", "--repeat", "1", "--shape", "256x256x256"])
        #expect(result.exited && result.status == 0, "\(result.errors)")
        let kernelLine = try #require(result.lines.first { $0.hasPrefix("OpenCL FMA kernel on ") }, "\(result.output)")
        let peak = try #require(number(in: kernelLine, after: ": "), "\(kernelLine)")
        #expect(peak > 0 && kernelLine.contains("(vector width "), "\(kernelLine)")
        let gemm = try #require(result.lines.first { $0.hasPrefix("opencl GEMM 256x256x256: ") }, "\(result.output)")
        #expect(gemm.hasSuffix("% of the OpenCL FMA peak)"), "\(gemm)")
        let gflops = try #require(number(in: gemm, after: "256x256x256: "))
        let percent = try #require(number(in: gemm, after: "GFLOP/s ("))
        // A re-measure (a GEMM above the first peak) replaces the denominator; either one explains the share.
        let again = result.lines.first { $0.hasPrefix("Measured again, the OpenCL FMA peak: ") }
            .flatMap { number(in: $0, after: "peak: ") }
        let explained = [peak, again].compactMap { $0 }.contains { abs(100 * gflops / $0 - percent) <= 1 }
        #expect(explained, "\(gemm) against \(peak) GFLOP/s (again: \(String(describing: again)))")
        // No CPU backend ran, so no line of the CPU's GEMM, and no share of the CPU's peak.
        #expect(!result.output.contains("of the CPU FMA peak"), "\(result.output)")
    }
}
