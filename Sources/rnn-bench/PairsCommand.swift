import ArgumentParser
import Foundation
import Recur
import RecurCLI

/// `rnn-bench pairs`: PyTorch and Recur side by side in time. On a machine whose speed drifts (a
/// shared VM: this one's FMA peak moved between 472 and 535 GFLOP/s, and the peer's lstm-small
/// between 3.7 and 8.2 ms, within one afternoon), a peer run and a Recur run minutes apart compare
/// two machines. Adjacent runs, repeated, compare the two programs.
struct PairsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairs",
        abstract: "Alternate the PyTorch peer and Recur config by config; report the ratios of adjacent runs.",
        discussion: """
            Each round runs, for every config, the peer command with --only NAME --repeat N --json FILE \
            appended (torch_bench.py's options), then times Recur on the same config as `run` does \
            (same --repeat and --warmup). A pair's ratio is PyTorch's median training time over \
            Recur's (above 1, Recur is faster); the summary gives, per config and backend, the median \
            of the rounds' ratios and their range, and the medians of the rounds' times.
            Example: rnn-bench pairs --peer "bash ../shared/tools/torch-peer.sh bench" --config lstm-small
            """
    )

    @Option(help: ArgumentHelp("The peer's command line (torch_bench.py's options are appended).", valueName: "command"))
    var peer: String

    @Option(help: "How many times to alternate.")
    var rounds: Int = 5

    @OptionGroup var workload: WorkloadOptions

    @Option(name: .customLong("heatmap"), help: ArgumentHelp(
        "Also draw the median ratios as an SVG heat map here (a panel per backend, a column per hidden size; for rnn-bench sweep's grids).",
        valueName: "file"))
    var heatmapPath: String?

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        guard !peer.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--peer is empty") }
    }

    func run() throws {
        // Checked before the rounds, which may take an hour on a sweep.
        let heatmap = try heatmapPath.map { path throws(OutputPathError) in try OutputPaths.file(path, option: "--heatmap") }
        let configs = try workload.selectedConfigs()
        let backends = try workload.makeBackends()
        try workload.checkMemory(configs, on: backends)
        let peerProcess = PeerProcess(command: peer)
        for backend in backends { print("\(backend.name): \(backend.deviceDescription)") }
        print("warm-up \(workload.warmup) runs and \(workload.warmupMilliseconds) ms, timed repeats \(workload.repeats), \(rounds) rounds; training ms\n")
        var pairs: [String: [(peer: Double, recur: Double)]] = [:]
        for round in 1...rounds {
            for config in configs {
                let peerRow = try peerProcess.measure(config.name, repeats: workload.repeats)
                var line = "round \(round) \(config.name): torch \(Table.figure(peerRow.trainMs))"
                for backend in backends {
                    let row = try workload.timer.measure(config, on: backend)
                    pairs["\(config.name) \(backend.name)", default: []].append((peerRow.trainMs, row.train.median))
                    line += ", \(backend.name) \(Table.figure(row.train.median)) (\(Self.ratio(peerRow.trainMs / row.train.median)))"
                }
                StatusLine.standardError.clear()
                print(line)
                Console.flush()
            }
        }
        print("\nconfig and backend: median ratio over \(rounds) rounds (range); median torch ms, median Recur ms")
        var points: [RatioHeatMap.Point] = []
        for config in configs {
            for backend in backends {
                let runs = pairs["\(config.name) \(backend.name)"] ?? []
                // TimingStats: the median and range of any samples, here ratios.
                let ratios = TimingStats(milliseconds: runs.map { $0.peer / $0.recur })
                points.append(.init(config: config, backend: backend.name, ratio: ratios.median))
                let peerMs = TimingStats(milliseconds: runs.map(\.peer)), recurMs = TimingStats(milliseconds: runs.map(\.recur))
                print("\(config.name) \(backend.name): \(Self.ratio(ratios.median)) (\(Self.ratio(ratios.min))-\(Self.ratio(ratios.max))); "
                      + "torch \(Table.figure(peerMs.median)), recur \(Table.figure(recurMs.median))")
            }
        }
        if let heatmap {
            try AtomicFile.write(Data(RatioHeatMap(points: points).svg().utf8), to: heatmap)
            print("heat map: \(heatmap.path)")
        }
    }

    static func ratio(_ value: Double) -> String { String(format: "%.3fx", value) }
}
