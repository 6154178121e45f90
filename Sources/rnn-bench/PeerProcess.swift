import Foundation

/// Runs the PyTorch peer (a torch_bench.py command line) on one config and reads its JSON.
struct PeerProcess {
    /// The command, run by /bin/sh with ` --only NAME --repeat N --json FILE` appended: the options of
    /// torch_bench.py, e.g. `bash ../shared/tools/torch-peer.sh bench`.
    let command: String

    /// The peer's row for `config`, timed over `repeats` runs.
    func measure(_ config: String, repeats: Int) throws -> PeerResults.Row {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-bench-peer-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(command) --only \(Self.quoted(config)) --repeat \(repeats) --json \(Self.quoted(json.path))"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw PeerResults.PeerError("cannot start /bin/sh for the peer: \(error.localizedDescription)")
        }
        // Read before waiting: a peer that fills the pipe would otherwise never exit.
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PeerResults.PeerError(
                "the peer command exited with status \(process.terminationStatus) on \(config): \(printed.suffix(2000))")
        }
        guard let row = try PeerResults(contentsOf: json.path).row(named: config) else {
            throw PeerResults.PeerError("the peer's JSON has no row for \(config) (does the command take --only?)")
        }
        return row
    }

    /// `text` as one single-quoted shell word.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
