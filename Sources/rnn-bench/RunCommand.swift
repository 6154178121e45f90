import ArgumentParser
import Foundation
import Recur
import RecurCPU
import RecurCLI
import RecurOpenCL

/// `rnn-bench run`: times the standard workloads the way torch_bench.py does, so that the two tables
/// compare row by row.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Time a training step and an inference step of the standard workloads.",
        discussion: """
            A training step is zero the gradients, forward, backward from a fixed upstream gradient \
            (parameters only: the input is data, as in the PyTorch peer, whose input does not require \
            grad), one SGD update (learning rate 1e-3), then wait for the backend. An inference step is a \
            forward without saving activations, then wait. Each is run untimed --warmup times and for at \
            least --warmup-ms, then --repeat times timed; the table gives the median and the range in milliseconds. GFLOP/s \
            count only the matrix products, as configs.json says (training = 3 x forward).
            """
    )

    @OptionGroup var workload: WorkloadOptions

    @Option(name: .customLong("json"), help: ArgumentHelp("Also write the results as JSON here.", valueName: "file"))
    var jsonPath: String?

    @Option(name: .customLong("chart"), help: ArgumentHelp("Also draw the comparison as an SVG chart here.", valueName: "file"))
    var chartPath: String?

    @Flag(help: "Measure each backend's device FMA peak first (the CPU loop, the OpenCL kernel) and show each training step's share of its own (rnn-bench peak).")
    var peak = false

    @Option(
        name: .customLong("compare"),
        help: ArgumentHelp("The JSON of shared/tools/torch-peer.sh bench --json: adds PyTorch/Recur ratios.", valueName: "file"))
    var comparePath: String?

    func run() throws {
        // Checked before any timing: finding out after a run of several minutes loses the run. An
        // OutputPathError is printed without the usage: the command line was fine, the path is not.
        let chart = try chartPath.map { path throws(OutputPathError) in try OutputPaths.file(path, option: "--chart") }
        let json = try jsonPath.map { path throws(OutputPathError) in try OutputPaths.file(path, option: "--json") }
        // What a run killed while writing them left behind (AtomicFile's temporaries only).
        for url in Set([chart, json].compactMap { $0?.deletingLastPathComponent() }) { StaleTemporaries.remove(in: url) }
        // Read before any timing too; a bad file is an input error (exit 2), not a usage error.
        let peer = try comparePath.map { path in
            do { return try PeerResults(contentsOf: path) } catch { throw PeerResults.PeerError("--compare: \(error)") }
        }
        let configs = try workload.selectedConfigs()
        let backends = try workload.makeBackends()
        try workload.checkMemory(configs, on: backends)

        for backend in backends {
            print("\(backend.name): \(backend.deviceDescription)")
            if let openCL = backend as? OpenCLBackend {
                print("  GEMM \(openCL.gemmTuning.summary): \(openCL.gemmTuningSource)")
            }
        }
        print("warm-up \(workload.warmup) runs and \(workload.warmupMilliseconds) ms, timed repeats \(workload.repeats); times in ms\n")
        if let torch = peer?.torch { print("peer: PyTorch \(torch) (ratios are PyTorch's time over Recur's: above 1, Recur is faster)") }
        // Each backend's rows are shares of its own device's peak: the CPU backend's FMA loop on its
        // threads and kernels, the OpenCL FMA kernel on the OpenCL backend's device (measured once).
        var peaks: [String: Double]?
        if peak {
            var measured: [String: Double] = [:]
            for backend in backends {
                let peak = try BackendPeak.measure(backend, repeats: 5)
                print("\(peak.summary) (the \(backend.name) rows' % peak denominator)")
                measured[backend.name] = peak.gflops
            }
            peaks = measured
        }
        let table = Table(names: configs.map(\.name), backends: backends.map(\.name), peer: peer, peakGFLOPs: peaks)
        table.headerLines.forEach { print($0) }
        Console.flush()

        var groups: [ConfigGroup] = []
        for config in configs {
            var group = ConfigGroup(config: config, rows: [])
            for backend in backends {
                group.rows.append(try workload.timer.measure(config, on: backend))
            }
            // The last progress line is taken down first, so that the rows stay together.
            StatusLine.standardError.clear()
            table.lines(for: group).forEach { print($0) }
            Console.flush()
            groups.append(group)
        }

        if let chart {
            try write(ComparisonChart(groups: groups, peer: peer).svgData(), to: chart, option: "--chart")
        }
        if let json {
            try write(try JSONReport(devices: backends.map(\.deviceDescription), groups: groups).encoded(), to: json, option: "--json")
        }
    }

    /// Written atomically (AtomicFile): an earlier file of the same name stays whole until the new
    /// one is complete, and a killed run leaves only a temporary that the next one recognises.
    private func write(_ data: Data, to url: URL, option: String) throws(OutputPathError) {
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw OutputPathError(option: option, path: url.path, reason: "\(error.action): \(error.reason)")
        }
    }
}
