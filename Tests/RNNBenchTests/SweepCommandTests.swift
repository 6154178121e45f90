import Foundation
import RecurTestSupport
import Testing

/// `rnn-bench sweep` writes a grid that `run --configs` times, and `pairs --heatmap` draws each
/// point's ratio against a stand-in peer (PairsCommand.peerScript) in the colour of its band.
@Suite struct SweepCommand {
    @Test func theGridRunsAndItsHeatMapShowsEveryPoint() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let grid = directory.appendingPathComponent("grid.json").path
        let written = try ToolProcess.run("rnn-bench", ["sweep", "--out", grid, "--cell", "gru", "--cell", "lstm",
                                                        "--hidden", "7", "33", "--batch", "1", "3", "--seq-len", "4", "--layers", "1"])
        #expect(written.status == 0, "\(written.errors)")
        #expect(written.output.contains("wrote 8 configs"), "\(written.output)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: grid))) as? [String: Any]
        let names = (object?["configs"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("gru-h33-b3-t4-l1") && names.contains("lstm-h7-b1-t4-l1") && names.count == 8, "\(names)")

        // The peer answers 1000 ms for every config: each point's ratio is far above 1.2 (green).
        let peer = try PairsCommand.peerScript()
        defer { try? FileManager.default.removeItem(at: peer) }
        let heatmap = directory.appendingPathComponent("heat.svg").path
        let result = try ToolProcess.run("rnn-bench", ["pairs", "--peer", "sh \(peer.path)/peer.sh", "--rounds", "1", "--backend", "cpu",
                                                       "--configs", grid, "--repeat", "1", "--warmup", "0", "--heatmap", heatmap])
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        let svg = try String(contentsOfFile: heatmap, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("H 7") && svg.contains("H 33") && svg.contains("GRU L1 T4 B3"), "\(svg.prefix(400))")
        // One coloured cell per point, each in the band of a ratio above 2.
        #expect(svg.components(separatedBy: "fill=\"#38761d\"").count - 1 == 8, "\(svg)")
    }

    @Test func anEmptyOrBadSizeIsRefused() throws {
        let result = try ToolProcess.run("rnn-bench", ["sweep", "--out", "/tmp/never.json", "--hidden", "0"])
        #expect(result.status != 0 && result.errors.contains("--hidden needs sizes of at least 1"), "\(result.errors)")
    }
}
