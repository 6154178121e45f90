import ArgumentParser
import Foundation
import Recur
import RecurCLI

/// `rnn-bench sweep`: the shapes no standard config has, as a configs file (configs.json's format)
/// that `rnn-bench run --configs` and `pairs --configs` time and that the PyTorch peer reads too
/// (torch_bench.py FILE). Hidden sizes on and off the multiples of 8, 16 and 32, small and large
/// batches, one and two layers, every plain cell: `pairs --heatmap` then draws the ratio of each
/// point against PyTorch, so that a cliff shows at once.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Write a grid of shapes as a configs file, for run --configs and pairs --configs --heatmap.",
        discussion: """
            Example, with the peer's venv:
              rnn-bench sweep --out sweep.json
              rnn-bench pairs --configs sweep.json --backend all --rounds 3 \\
                --peer "$HOME/.cache/recur-torch-peer/bin/python ../shared/tools/torch_bench.py sweep.json" --heatmap sweep.svg
            """)

    @Option(help: ArgumentHelp("Where to write the configs (JSON).", valueName: "file"))
    var out: String

    @Option(name: .customLong("cell"), help: "Cells (repeatable: lstm, gru, rnn-tanh, rnn-relu; default lstm, gru, rnn-tanh).")
    var cells: [DataParallelCommand.Cell] = [.lstm, .gru, .rnnTanh]

    @Option(name: .customLong("hidden"), parsing: .upToNextOption, help: "Hidden sizes.")
    var hiddenSizes: [Int] = [31, 64, 100, 129, 257, 300, 512, 700, 1000]

    @Option(name: .customLong("batch"), parsing: .upToNextOption, help: "Batch sizes.")
    var batches: [Int] = [1, 2, 3, 5, 8, 20, 48, 128]

    @Option(name: .customLong("seq-len"), parsing: .upToNextOption, help: "Sequence lengths.")
    var lengths: [Int] = [50]

    @Option(name: .customLong("layers"), parsing: .upToNextOption, help: "Layer counts.")
    var layerCounts: [Int] = [1, 2]

    @Option(name: .customLong("input-size"), help: "Input features of the first layer (0: the hidden size).")
    var inputSize: Int = 0

    @Option(name: .customLong("min-mflop"), help: "Leave out points below this many MFLOP per training step.")
    var minimumMFLOP: Double = 0

    func validate() throws {
        for (name, values) in [("--hidden", hiddenSizes), ("--batch", batches), ("--seq-len", lengths), ("--layers", layerCounts)] {
            guard !values.isEmpty, values.allSatisfy({ $0 >= 1 }) else { throw ValidationError("\(name) needs sizes of at least 1") }
        }
        guard inputSize >= 0 else { throw ValidationError("--input-size must be at least 0, got \(inputSize)") }
    }

    func run() throws {
        let url = try OutputPaths.file(out, option: "--out")
        let configs = Self.grid(cells: cells.map(\.mode), hidden: hiddenSizes, batches: batches, lengths: lengths,
                                layers: layerCounts, inputSize: inputSize)
            .filter { Double($0.trainingFLOPs) >= minimumMFLOP * 1e6 }
        for config in configs { _ = try config.descriptor() }   // every size within Recur's limits
        let entries: [[String: Any]] = configs.map {
            ["name": $0.name, "mode": $0.mode.rawValue, "input_size": $0.inputSize, "hidden_size": $0.hiddenSize,
             "num_layers": $0.numLayers, "bidirectional": false, "batch": $0.batch, "seq_len": $0.steps]
        }
        let about = "rnn-bench sweep: a grid of shapes (cells x hidden x batch x seq_len x layers); FLOPs as configs.json counts them."
        let data = try JSONSerialization.data(withJSONObject: ["about": about, "configs": entries], options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: url)
        print("wrote \(configs.count) configs to \(url.path)")
    }

    /// Every combination, named cell-hH-bB-tT-lL (the heat map reads the fields, not the names).
    static func grid(cells: [CellMode], hidden: [Int], batches: [Int], lengths: [Int], layers: [Int], inputSize: Int) -> [BenchConfig] {
        var configs: [BenchConfig] = []
        for mode in cells {
            for layerCount in layers {
                for steps in lengths {
                    for batch in batches {
                        for h in hidden {
                            let name = "\(mode.rawValue.lowercased().replacingOccurrences(of: "_", with: "-"))-h\(h)-b\(batch)-t\(steps)-l\(layerCount)"
                            configs.append(BenchConfig(name: name, mode: mode, inputSize: inputSize > 0 ? inputSize : h, hiddenSize: h,
                                                       numLayers: layerCount, bidirectional: false, batch: batch, steps: steps))
                        }
                    }
                }
            }
        }
        return configs
    }
}
