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

    @Flag(help: "Measure the CPU's FMA peak first and show each training step's share of it (rnn-bench peak).")
    var peak = false

    @Option(
        name: .customLong("compare"),
        help: ArgumentHelp("The JSON of shared/tools/torch-peer.sh bench --json: adds PyTorch/Recur ratios.", valueName: "file"))
    var comparePath: String?

    func validate() throws {
        if let jsonPath {
            // Checked up front: finding out after a run of several minutes loses the run.
            let directory = URL(fileURLWithPath: jsonPath).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--json \(jsonPath): directory \(directory) does not exist")
            }
        }
        if let comparePath {
            do { _ = try PeerResults(contentsOf: comparePath) } catch { throw ValidationError("--compare: \(error)") }
        }
    }

    func run() throws {
        let configs = try workload.selectedConfigs()
        let backends = try workload.makeBackends()

        for backend in backends {
            print("\(backend.name): \(backend.deviceDescription)")
            if let openCL = backend as? OpenCLBackend {
                print("  GEMM \(openCL.gemmTuning.summary): \(openCL.gemmTuningSource)")
            }
        }
        print("warm-up \(workload.warmup) runs and \(workload.warmupMilliseconds) ms, timed repeats \(workload.repeats); times in ms\n")
        let peer = try comparePath.map { try PeerResults(contentsOf: $0) }
        if let torch = peer?.torch { print("peer: PyTorch \(torch) (ratios are PyTorch's time over Recur's: above 1, Recur is faster)") }
        let peakGFLOPs = peak ? PeakFLOPs.measure() : nil
        if let peakGFLOPs { print(String(format: "CPU FMA peak: %.1f GFLOP/s (the %% peak column's denominator)", peakGFLOPs)) }
        let table = Table(names: configs.map(\.name), backends: backends.map(\.name), peer: peer, peakGFLOPs: peakGFLOPs)
        table.headerLines.forEach { print($0) }
        Console.flush()

        var groups: [ConfigGroup] = []
        for config in configs {
            var group = ConfigGroup(config: config, rows: [])
            for backend in backends {
                group.rows.append(try workload.timer.measure(config, on: backend))
            }
            table.lines(for: group).forEach { print($0) }
            Console.flush()
            groups.append(group)
        }

        if let chartPath {
            do {
                try ComparisonChart(groups: groups, peer: peer).write(to: chartPath)
            } catch {
                throw ValidationError("cannot write --chart \(chartPath): \(error.localizedDescription)")
            }
        }
        if let jsonPath {
            do {
                try JSONReport(devices: backends.map(\.deviceDescription), groups: groups).write(to: jsonPath)
            } catch {
                throw ValidationError("cannot write --json \(jsonPath): \(error.localizedDescription)")
            }
        }
    }
}
