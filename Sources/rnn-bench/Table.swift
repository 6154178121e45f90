import Foundation

/// One config timed on one backend.
struct BenchRow: Sendable {
    let config: BenchConfig
    let backend: String
    let train: TimingStats
    let infer: TimingStats
    /// The most device memory the backend's buffers held during the training steps (the layer,
    /// its inputs and every step's activations and gradients).
    let peakBytes: Int

    /// Sequences trained per second: the batch over the median training step.
    var sequencesPerSecond: Double { Double(config.batch) / train.medianSeconds }
    var trainGFLOPs: Double { Double(config.trainingFLOPs) / train.medianSeconds / 1e9 }
    var inferGFLOPs: Double { Double(config.forwardFLOPs) / infer.medianSeconds / 1e9 }
}

/// A config's rows, one per backend, all from the same run: a column comparing backends (a speed
/// ratio) reads its group, so that it never compares figures taken at different times.
struct ConfigGroup: Sendable {
    let config: BenchConfig
    var rows: [BenchRow]
}

/// The text table of `rnn-bench run`. Widths are fixed before the first row so that each group can
/// be printed as soon as it is measured (a full run takes minutes) and still line up with the rest.
struct Table {
    struct Column {
        let header: String
        let width: Int
        let leftAligned: Bool
        /// The cell of `row`; `group` holds the other backends' rows of the same config.
        let cell: (_ row: BenchRow, _ group: ConfigGroup) -> String
    }

    private(set) var columns: [Column]

    /// The standard columns; `names` and `backends` are every config and backend name the run will
    /// print, so that the text columns fit them.
    init(names: [String], backends: [String], peer: PeerResults? = nil, peakGFLOPs: [String: Double]? = nil) {
        func width(_ header: String, _ values: [String]) -> Int { values.map(\.count).reduce(header.count, Swift.max) }
        columns = [
            Column(header: "config", width: width("config", names), leftAligned: true) { row, _ in row.config.name },
            Column(header: "backend", width: width("backend", backends), leftAligned: true) { row, _ in row.backend },
            Column(header: "train ms median (min-max)", width: 30, leftAligned: false) { row, _ in
                "\(Self.figure(row.train.median)) (\(Self.figure(row.train.min))-\(Self.figure(row.train.max)))"
            },
            Column(header: "seq/s", width: 10, leftAligned: false) { row, _ in Self.figure(row.sequencesPerSecond) },
            Column(header: "train GFLOP/s", width: 13, leftAligned: false) { row, _ in Self.figure(row.trainGFLOPs) },
            Column(header: "infer ms", width: 11, leftAligned: false) { row, _ in Self.figure(row.infer.median) },
            Column(header: "infer GFLOP/s", width: 13, leftAligned: false) { row, _ in Self.figure(row.inferGFLOPs) },
            Column(header: "peak MiB", width: 9, leftAligned: false) { row, _ in Self.figure(Double(row.peakBytes) / 1_048_576) },
        ]
        // With measured peaks (`--peak`, by backend name): the training step's share of the peak
        // of its backend's own device.
        if let peakGFLOPs {
            columns.append(Column(header: "train % peak", width: 12, leftAligned: false) { row, _ in
                peakGFLOPs[row.backend].map { String(format: "%.0f%%", 100 * row.trainGFLOPs / $0) } ?? "-"
            })
        }
        // With several backends: each one's training and inference speed relative to the first
        // (the CPU reference), from the same run. Above 1 is faster.
        if let reference = backends.first, backends.count > 1 {
            columns.append(Column(header: "train x \(reference)", width: 11, leftAligned: false) { row, group in
                group.rows.first.map { Self.figure($0.train.median / row.train.median) + "x" } ?? "-"
            })
            columns.append(Column(header: "infer x \(reference)", width: 11, leftAligned: false) { row, group in
                group.rows.first.map { Self.figure($0.infer.median / row.infer.median) + "x" } ?? "-"
            })
        }
        // With the peer's figures: its time over ours, above 1 where Recur is faster than PyTorch.
        if let peer {
            columns.append(Column(header: "train x torch", width: 13, leftAligned: false) { row, _ in
                peer.row(named: row.config.name).map { Self.figure($0.trainMs / row.train.median) + "x" } ?? "-"
            })
            columns.append(Column(header: "infer x torch", width: 13, leftAligned: false) { row, _ in
                peer.row(named: row.config.name).map { Self.figure($0.inferMs / row.infer.median) + "x" } ?? "-"
            })
        }
    }

    var headerLines: [String] {
        let header = line(columns.map(\.header))
        return [header, String(repeating: "-", count: header.count)]
    }

    func lines(for group: ConfigGroup) -> [String] {
        group.rows.map { row in line(columns.map { $0.cell(row, group) }) }
    }

    private func line(_ cells: [String]) -> String {
        zip(columns, cells).map { column, cell in
            let padding = String(repeating: " ", count: Swift.max(0, column.width - cell.count))
            return column.leftAligned ? cell + padding : padding + cell
        }
        .joined(separator: "  ")
        // Trailing spaces of a left-aligned last column are noise in logs and diffs.
        .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }

    /// At least four significant digits and never an exponent: step times run from microseconds
    /// (tiny configs) to seconds (a naive engine), and one format has to keep both readable.
    static func figure(_ value: Double) -> String {
        guard value.isFinite, value != 0 else { return value.isFinite ? "0" : "\(value)" }
        let integerDigits = Int((log10(abs(value))).rounded(.down)) + 1
        return String(format: "%.\(Swift.min(6, Swift.max(0, 4 - integerDigits)))f", value)
    }
}
