import Foundation
import Recur
import RecurTestSupport
import Testing

/// The command-line contract of rnn-bench, run as users run it: one PASS/FAIL line per file and
/// backend, exit 0 / 1 / 2, JSON keys of `run`, and the message when OpenCL is missing.
@Suite struct RNNBenchCommand {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Sources/RecurTestSupport/Fixtures/shared")

    /// Runs the rnn-bench built beside this test bundle.
    func rnnBench(_ arguments: [String], environment: [String: String] = [:]) throws -> ToolProcess.Result {
        let result = try ToolProcess.run("rnn-bench", arguments, environment: environment)
        #expect(result.exited, "rnn-bench \(arguments) crashed")
        return result
    }

    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    @Test func passingFixturesExitZeroWithOneLineEach() throws {
        let result = try rnnBench(["check", "--backend", "cpu", fixture("lstm_1l.safetensors"), fixture("gru_1l.safetensors")])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.lines.count == 2)
        #expect(result.lines.allSatisfy { $0.hasPrefix("PASS ") && $0.contains(" cpu ") && $0.contains("max_abs") })
    }

    @Test func trainingFixturesPass() throws {
        let result = try rnnBench(["check", fixture("train_lstm_sgd.safetensors"), fixture("train_gru_adam.safetensors")])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.lines.count == 2)
        #expect(result.lines.allSatisfy { $0.hasPrefix("PASS ") })
    }

    @Test func anUnsupportedKindIsAFailLine() throws {
        var file = SafeTensors()
        file.metadata = ["kind": "attention"]
        try file.set("x", floats: [1], shape: [1])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kind-\(UUID().uuidString).safetensors")
        try file.write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let result = try rnnBench(["check", fixture("lstm_1l.safetensors"), path.path])
        #expect(result.status == 1)
        #expect(result.lines.count == 2)
        #expect(result.lines.last?.hasPrefix("FAIL ") == true)
        #expect(result.lines.last?.contains("not supported") == true)
    }

    @Test func unusableArgumentsExitTwo() throws {
        let missing = try rnnBench(["check", fixture("lstm_1l.safetensors"), "/nonexistent/x.safetensors"])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("/nonexistent/x.safetensors"))
        #expect(missing.output.isEmpty, "nothing runs when a file is unreadable")
        #expect(try rnnBench(["check"]).status == 2)
        #expect(try rnnBench(["check", "--backend", "tpu", fixture("lstm_1l.safetensors")]).status == 2)
        #expect(try rnnBench(["run", "--config", "no-such-config"]).status == 2)
        let notAFixture = try rnnBench(["check", Self.fixtures.appendingPathComponent("FORMAT.md").path])
        #expect(notAFixture.status == 2)
    }

    @Test func withoutOpenCLTheMessageNamesThePackagesAndTheCPUStillWorks() throws {
        let noDriver = ["OCL_ICD_VENDORS": "/nonexistent", "RECUR_DEVICE": ""]
        let opencl = try rnnBench(["check", "--backend", "opencl", fixture("lstm_1l.safetensors")], environment: noDriver)
        #expect(opencl.status == 2)
        #expect(opencl.errors.contains("pocl-opencl-icd"))
        #expect(opencl.errors.contains("--backend cpu"))
        let cpu = try rnnBench(["check", "--backend", "cpu", fixture("lstm_1l.safetensors")], environment: noDriver)
        #expect(cpu.status == 0)
    }

    @Test func runWritesThePeersJSONKeys() throws {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-bench-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let result = try rnnBench(["run", "--backend", "cpu", "--config", "lstm-small", "--repeat", "1", "--warmup", "0",
                                   "--json", json.path])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("lstm-small"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        #expect(object["device"] is String)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 1)
        for key in ["name", "backend", "train_ms", "train_ms_min", "train_ms_max", "infer_ms", "train_gflops", "infer_gflops", "peak_bytes"] {
            #expect(rows.first?[key] != nil, "missing \(key)")
        }
        // lstm-small's training step holds at least its saved activations: T*B*5H floats.
        #expect((rows.first?["peak_bytes"] as? Int ?? 0) >= 64 * 32 * 5 * 128 * 4)
    }

    /// An output that cannot be written is found before any timing, named, and not followed by the
    /// usage (nothing was wrong with the command line).
    @Test func unwritableOutputsAreRefusedBeforeTheRun() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-bench-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = ["run", "--backend", "cpu", "--config", "lstm-small", "--repeat", "1", "--warmup", "0"]
        let cases = [("--chart", directory.appendingPathComponent("missing/chart.svg").path, "does not exist"),
                     ("--json", directory.path, "is a directory"),
                     ("--json", directory.appendingPathComponent("missing/out.json").path, "does not exist")]
        for (option, path, reason) in cases {
            let result = try rnnBench(run + [option, path])
            #expect(result.status == 2, "\(option) \(path): \(result.errors)")
            #expect(result.errors.contains("\(option) \(path)") && result.errors.contains(reason), "\(result.errors)")
            #expect(!result.errors.contains("Usage"), "an unwritable file is no usage error: \(result.errors)")
            #expect(!result.output.contains("lstm-small"), "nothing is timed: \(result.output)")
        }
    }

    @Test func compareAddsPyTorchRatiosAndPeakAddsPercentages() throws {
        let peer = FileManager.default.temporaryDirectory.appendingPathComponent("peer-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: peer) }
        try Data(#"{"torch": "2.x", "rows": [{"name": "lstm-small", "train_ms": 1000.0, "infer_ms": 1000.0}]}"#.utf8).write(to: peer)
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("chart-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: chart) }
        let result = try rnnBench(["run", "--backend", "cpu", "--config", "lstm-small", "--repeat", "1", "--warmup", "0",
                                   "--compare", peer.path, "--peak", "--chart", chart.path])
        #expect(result.status == 0, "\(result.errors)")
        // The chart: an SVG with the config, a bar for the CPU and one for PyTorch.
        let svg = try String(contentsOf: chart, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains(">lstm-small<") && svg.contains(">pytorch<"))
        #expect(svg.components(separatedBy: "<rect").count - 1 >= 1 + 2 + 2)
        let row = try #require(result.lines.first { $0.hasPrefix("lstm-small") })
        // PyTorch "took" a second: Recur's ratio is far above 1, and the row has a % of peak.
        #expect(row.contains("%"))
        let ratios = row.split(separator: " ").filter { $0.hasSuffix("x") }.compactMap { Double($0.dropLast()) }
        #expect(ratios.count == 2 && ratios.allSatisfy { $0 > 1 }, "\(row)")

        try Data("not json".utf8).write(to: peer)
        let bad = try rnnBench(["run", "--config", "lstm-small", "--compare", peer.path])
        #expect(bad.status == 2)
        // An unreadable file is not a usage error: the message, without the usage, and no timing.
        #expect(bad.errors.contains("--compare:") && !bad.errors.contains("USAGE") && !bad.errors.contains("Usage"), "\(bad.errors)")
        #expect(!bad.lines.contains { $0.hasPrefix("lstm-small") })
    }

    @Test func peakMeasuresTheCPU() throws {
        let result = try rnnBench(["peak", "--backend", "cpu", "--repeat", "1"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("CPU FMA loop"))
        #expect(result.lines.filter { $0.hasPrefix("cpu GEMM") }.count == 3)
        let none = try rnnBench(["peak", "--backend", "cpu", "--repeat", "0"])
        #expect(none.status == 2 && none.errors.contains("--repeat must be at least 1"), "\(none.errors)")
    }

    /// RECUR_CPU_LOOP picks the CPU time loop; a value that names none is an error, not the default.
    @Test func anUnknownCPULoopIsAnError() throws {
        let bad = try rnnBench(["run", "--config", "lstm-small", "--repeat", "1"], environment: ["RECUR_CPU_LOOP": "by-colums"])
        #expect(bad.status == 2)
        #expect(bad.errors.contains("RECUR_CPU_LOOP") && bad.errors.contains("by-rows"), "\(bad.errors)")
        let rows = try rnnBench(["run", "--config", "lstm-small", "--repeat", "1", "--warmup-ms", "0"], environment: ["RECUR_CPU_LOOP": "by-rows"])
        #expect(rows.status == 0, "\(rows.errors)")
        // The other variables: EnvironmentVariableTests.
    }

    @Test func peakTimesTheShapesAskedFor() throws {
        let result = try rnnBench(["peak", "--backend", "cpu", "--repeat", "1", "--shape", "40x24x56:At", "--shape", "7x9x5"])
        #expect(result.status == 0, "\(result.errors)")
        let gemms = result.lines.filter { $0.hasPrefix("cpu GEMM") }
        #expect(gemms.count == 2)
        #expect(gemms.first?.hasPrefix("cpu GEMM 40x24x56 A^T: ") == true && gemms.last?.hasPrefix("cpu GEMM 7x9x5: ") == true)
        for bad in ["40x24", "40x24x0", "40x24x56:Ct", "axbxc"] {
            #expect(try rnnBench(["peak", "--backend", "cpu", "--shape", bad]).status == 2, "\(bad)")
        }
    }
}
