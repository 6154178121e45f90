import Foundation
import RecurTestSupport
import Testing

/// `rnn-bench tune` end to end on the OpenCL device: it writes the cache file into the
/// RECUR_CACHE_DIR of its own process (never this one's), and `devices` then reports it.
@Suite(.enabled(if: TestBackends.names.contains("opencl"), "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"))
struct RNNBenchTune {
    @Test func quickTuningWritesTheCacheThatDevicesThenReports() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recur-tune-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["RECUR_CACHE_DIR": directory.path, "RECUR_TUNING": ""]
        // Small shapes of each kind (B^T, A^T, a batch of one): the standard ones are lstm-medium's,
        // whose slowest candidates take seconds a GEMM on POCL, and what this test checks (the
        // table, the cache file, its use) does not depend on the sizes.
        let shapes = ["64x256x128:Bt", "256x64x96:At", "1x128x64:Bt"]
        let result = try ToolProcess.run("rnn-bench", ["tune", "--quick", "--repeat", "1", "--warmup", "0"] + shapes.flatMap { ["--shape", $0] },
                                         environment: environment)
        #expect(result.exited && result.status == 0, "\(result.errors)")
        // The table: a header naming every shape, the defaults' row, and the winner against them.
        let header = try #require(result.lines.first { $0.hasPrefix("candidate") }, "\(result.output)")
        for shape in shapes { #expect(header.contains("\(shape) GFLOP/s"), "\(header)") }
        #expect(result.lines.contains { $0.contains("(defaults)") && $0.hasSuffix("+0.0%") }, "\(result.output)")
        #expect(result.output.contains("winner: "))

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("tuning").path)
        #expect(files.count == 1 && files[0].hasSuffix(".json"), "\(files)")
        let path = directory.appendingPathComponent("tuning").appendingPathComponent(files.first ?? "").path
        #expect(result.output.contains("wrote \(path)"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        for key in ["device", "vendor", "driverVersion", "openCLVersion", "date", "tuning", "shapes"] {
            #expect(object[key] != nil, "\(key) missing")
        }
        let recorded = try #require(object["shapes"] as? [[String: Any]])
        #expect(recorded.count == 3)
        #expect(recorded.allSatisfy { ($0["defaultGFLOPs"] as? Double ?? 0) > 0 && ($0["tunedGFLOPs"] as? Double ?? 0) > 0 })

        // The next backend on this device uses the file, unless RECUR_TUNING=off.
        let devices = try ToolProcess.run("rnn-bench", ["devices"], environment: environment)
        #expect(devices.status == 0)
        #expect(devices.output.contains("tuned, from \(path)"), "\(devices.output)")
        let off = try ToolProcess.run("rnn-bench", ["devices"], environment: environment.merging(["RECUR_TUNING": "off"]) { $1 })
        #expect(off.output.contains("RECUR_TUNING=off"), "\(off.output)")
    }

    @Test func unusableArgumentsExitTwo() throws {
        #expect(try ToolProcess.run("rnn-bench", ["tune", "--repeat", "0"]).status == 2)
        #expect(try ToolProcess.run("rnn-bench", ["tune", "--shape", "64x0x3"]).status == 2)
        #expect(try ToolProcess.run("rnn-bench", ["tune", "--quick", "--exhaustive"]).status == 2)
        #expect(try ToolProcess.run("rnn-bench", ["tune", "--device", "no-such-device-anywhere"]).status == 2)
    }
}
