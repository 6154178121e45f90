import Foundation
import RecurTestSupport
import Testing

/// A --configs file's sizes are checked before anything is timed: beyond Recur's limits at load,
/// beyond the device's memory once the backend is made; exit 2 naming the config, never a crash.
@Suite struct ConfigSizeTests {
    func configs(batch: Int, hidden: Int, steps: Int) throws -> (URL, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-bench-sizes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("configs.json")
        try Data(#"{"configs": [{"name": "huge", "mode": "LSTM", "input_size": 64, "hidden_size": \#(hidden), "num_layers": 1, "bidirectional": false, "batch": \#(batch), "seq_len": \#(steps)}]}"#.utf8).write(to: url)
        return (directory, url.path)
    }

    func expectRefused(_ path: String, mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for command in ["run", "pairs"] {
            let extra = command == "pairs" ? ["--peer", "true", "--rounds", "1"] : []
            let result = try ToolProcess.run("rnn-bench", [command, "--configs", path, "--repeat", "1", "--warmup", "0"] + extra)
            #expect(result.exited && result.status == 2, "\(command): \(result.status) \(result.errors)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(result.errors.contains(fragment), "\(command): no \"\(fragment)\" in \(result.errors)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func aBatchAboveTheLimitIsRefusedAtLoad() throws {
        let (directory, path) = try configs(batch: 100_000_000, hidden: 8, steps: 4)
        defer { try? FileManager.default.removeItem(at: directory) }
        try expectRefused(path, mentions: ["config huge", "batch is 100000000, above the limit"])
    }

    @Test func aConfigBeyondTheDeviceIsRefusedBeforeTiming() throws {
        let (directory, path) = try configs(batch: 1_000_000, hidden: 4096, steps: 1000)
        defer { try? FileManager.default.removeItem(at: directory) }
        try expectRefused(path, mentions: ["config huge needs", " TB (", "the CPU ("])
    }
}
