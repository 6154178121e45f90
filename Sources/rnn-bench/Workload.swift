import ArgumentParser
import Foundation
import Recur
import RecurCLI

/// The options `run` and `pairs` share: which backends, configs and how many timed runs.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "The backend to time.")
    var backend: BackendChoice = .cpu

    @Option(help: "The OpenCL device: an index or part of a name (see `rnn-bench devices`; default RECUR_DEVICE, else the first GPU, else the first CPU device).")
    var device: String?

    @Option(name: .customLong("config"), help: ArgumentHelp("A config to run (repeatable; default all).", valueName: "name"))
    var configNames: [String] = []

    @Option(name: .customLong("repeat"), help: "Timed runs of each step.")
    var repeats: Int = 5

    @Option(help: "Untimed runs of each step first (caches, allocator, thread pool).")
    var warmup: Int = 2

    @Option(name: .customLong("warmup-ms"), help: "... and untimed runs for at least this many milliseconds (a core that was idle runs slowly for a while).")
    var warmupMilliseconds: Int = 250

    @Option(
        name: .customLong("configs"),
        help: ArgumentHelp("Read the configs from this file instead of the built-in ones (configs.json's format).", valueName: "file"))
    var configsPath: String?

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeat must be at least 1, got \(repeats)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be at least 0, got \(warmup)") }
        guard warmupMilliseconds >= 0 else { throw ValidationError("--warmup-ms must be at least 0, got \(warmupMilliseconds)") }
        _ = try selectedConfigs()
    }

    /// The configs to run: those named by --config, in the order given, or every config of the set.
    func selectedConfigs() throws -> [BenchConfig] {
        let set: BenchConfigSet
        if let configsPath {
            do {
                set = try BenchConfigSet(contentsOf: configsPath)
            } catch {
                throw ValidationError("--configs: \(error)")
            }
        } else {
            set = BenchConfigSet.builtin
        }
        guard !configNames.isEmpty else { return set.configs }
        var selected: [BenchConfig] = []
        for name in configNames where !selected.contains(where: { $0.name == name }) {
            guard let config = set.config(named: name) else {
                throw ValidationError("unknown config \(name); valid names: \(set.names.joined(separator: ", "))")
            }
            selected.append(config)
        }
        return selected
    }

    func makeBackends() throws -> [any Backend] { try backend.makeBackends(device: device) }

    var timer: WorkloadTimer {
        WorkloadTimer(warmup: warmup, minimumWarmup: .milliseconds(warmupMilliseconds), repeats: repeats)
    }
}

/// Times the standard workloads the way torch_bench.py does.
struct WorkloadTimer {
    let warmup: Int
    let minimumWarmup: Duration
    let repeats: Int

    /// Times one config on one backend. The layer, the input and the upstream gradient are made once,
    /// outside the timings, as the peer makes its module and tensors once.
    func measure(_ config: BenchConfig, on backend: any Backend) throws -> BenchRow {
        let layer = try RecurrentLayer(config.descriptor(), backend: backend, seed: 0)
        // Fixed seeds: every run (and every backend) times the same values.
        let input = try backend.tensor(Self.randomValues(count: config.inputShape.reduce(1, *), seed: 1), shape: config.inputShape)
        let gradOutput = try backend.tensor(Self.randomValues(count: config.outputShape.reduce(1, *), seed: 2), shape: config.outputShape)
        try backend.synchronize()

        // Plain SGD at 1e-3, the peer's optimizer: one update launch over the flat parameter buffer.
        let sgd = try Optimizer(.sgd(learningRate: 1e-3))
        let progress = ProgressReporter(label: "\(config.name) on \(backend.name)")
        backend.memory.resetPeak()
        let train = try Timing.measure(
            warmup: warmup, minimumWarmup: minimumWarmup, repeats: repeats, afterEach: { progress.report("training", $0, $1) }
        ) {
            try layer.zeroGradients()
            let forward = try layer.forward(input, training: true)
            // The input is data, not a parameter: like the peer's (torch_bench.py's x does not
            // require grad, so PyTorch skips it), its gradient is not computed.
            _ = try layer.backward(forward, gradOutput: gradOutput, inputGradient: false)
            try sgd.update([layer])
            try backend.synchronize()
        }
        let infer = try Timing.measure(
            warmup: warmup, minimumWarmup: minimumWarmup, repeats: repeats, afterEach: { progress.report("inference", $0, $1) }
        ) {
            _ = try layer.forward(input, training: false)
            try backend.synchronize()
        }
        let peakBytes = backend.memory.peakBytes
        return BenchRow(config: config, backend: backend.name, train: train, infer: infer, peakBytes: peakBytes)
    }

    /// Uniform in [-1, 1), like the scale of torch.randn's values without needing a normal generator.
    private static func randomValues(count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.uniform(-1, 1) }
    }
}

/// Progress of one config on stderr, only once it has run for a while: quick configs stay silent,
/// slow ones (a naive engine, a large config) show that the run is alive and how far it is. On a
/// terminal the line is redrawn in place and taken down before the config's row (`StatusLine`).
private final class ProgressReporter {
    private let label: String
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastReport: ContinuousClock.Instant?

    /// Seconds before the first line, and between lines.
    private static let quiet: Duration = .seconds(2)

    init(label: String) {
        self.label = label
        start = clock.now
    }

    func report(_ phase: String, _ done: Int, _ total: Int) {
        let now = clock.now
        guard now - start >= Self.quiet, lastReport.map({ now - $0 >= Self.quiet }) ?? true else { return }
        lastReport = now
        let elapsed = String(format: "%.1f", Timing.milliseconds(now - start) / 1000)
        StatusLine.standardError.show("  \(label): \(phase) \(done)/\(total) (\(elapsed) s)")
    }
}
