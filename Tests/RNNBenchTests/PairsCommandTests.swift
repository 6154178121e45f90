import Foundation
import RecurTestSupport
import Testing

/// `rnn-bench pairs` against a stand-in peer: a shell script with torch_bench.py's options that
/// reports a fixed time, so that every ratio printed can be checked against Recur's time beside it.
@Suite struct PairsCommand {
    /// A directory holding a peer script that answers `--only NAME --repeat N --json FILE` with
    /// `trainMs` for NAME (or for `answerName` when given: a peer that ignores --only), and exits
    /// with `status`.
    static func peerScript(trainMs: Double = 1000, answerName: String? = nil, status: Int = 0) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = answerName.map { "'\($0)'" } ?? "\"$only\""
        let script = """
            while [ $# -gt 0 ]; do
              case "$1" in
                --only) only=$2; shift 2 ;;
                --repeat) repeat=$2; shift 2 ;;
                --json) json=$2; shift 2 ;;
                *) shift ;;
              esac
            done
            echo "$only $repeat" >> "\(directory.path)/calls"
            printf '{"torch": "stand-in", "rows": [{"name": "%s", "train_ms": \(trainMs), "infer_ms": 1.0}]}' \(name) > "$json"
            exit \(status)
            """
        try script.write(to: directory.appendingPathComponent("peer.sh"), atomically: true, encoding: .utf8)
        return directory
    }

    func pairs(_ directory: URL, rounds: Int) throws -> ToolProcess.Result {
        try ToolProcess.run("rnn-bench", [
            "pairs", "--peer", "sh \(directory.path)/peer.sh", "--rounds", "\(rounds)", "--backend", "cpu",
            "--config", "lstm-small", "--repeat", "2", "--warmup", "0",
        ])
    }

    @Test func alternatesAndReportsTheRatiosOfAdjacentRuns() throws {
        let directory = try Self.peerScript()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try pairs(directory, rounds: 3)
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        // The peer ran once a round, on the config, with the timed repeats.
        let calls = try String(contentsOf: directory.appendingPathComponent("calls"), encoding: .utf8)
        #expect(calls.split(separator: "\n") == ["lstm-small 2", "lstm-small 2", "lstm-small 2"])
        // "round R lstm-small: torch 1000, cpu MS (RATIOx)": each ratio is 1000 / Recur's time.
        let rounds = result.lines.filter { $0.hasPrefix("round ") }
        #expect(rounds.count == 3)
        for line in rounds {
            let fields = line.replacingOccurrences(of: "(", with: " ").replacingOccurrences(of: "x)", with: " ")
                .split(separator: " ")
            let cpu = fields.firstIndex(of: "cpu").map { Double(fields[$0 + 1]) } ?? nil
            let ratio = fields.last.flatMap { Double($0) }
            if let cpu, let ratio {
                #expect(abs(ratio - 1000 / cpu) <= 0.002 * ratio, "\(line)")
            } else {
                Issue.record("unreadable round line: \(line)")
            }
        }
        #expect(result.lines.contains { $0.hasPrefix("lstm-small cpu: ") && $0.contains("torch 1000") })
    }

    @Test func aFailingPeerStopsTheRunWithItsStatus() throws {
        let directory = try Self.peerScript(status: 3)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try pairs(directory, rounds: 1)
        #expect(result.status == 2)
        #expect(result.errors.contains("exited with status 3"))
    }

    @Test func aPeerThatIgnoresOnlyIsRefused() throws {
        let directory = try Self.peerScript(answerName: "lstm-medium")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try pairs(directory, rounds: 1)
        #expect(result.status == 2)
        #expect(result.errors.contains("no row for lstm-small"))
    }
}
