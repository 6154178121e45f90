import Foundation

/// The `--json` file of `rnn-bench run`: torch_bench.py's row keys plus "backend" and "peak_bytes", so that one script
/// can put the peer's figures and ours side by side by config name.
struct JSONReport: Encodable {
    struct Row: Encodable {
        let name: String
        let backend: String
        let trainMs: Double
        let trainMsMin: Double
        let trainMsMax: Double
        let inferMs: Double
        let trainGFLOPs: Double
        let inferGFLOPs: Double
        let peakBytes: Int

        enum CodingKeys: String, CodingKey {
            case name, backend
            case trainMs = "train_ms", trainMsMin = "train_ms_min", trainMsMax = "train_ms_max"
            case inferMs = "infer_ms", trainGFLOPs = "train_gflops", inferGFLOPs = "infer_gflops"
            case peakBytes = "peak_bytes"
        }

        init(_ row: BenchRow) {
            name = row.config.name; backend = row.backend
            trainMs = row.train.median; trainMsMin = row.train.min; trainMsMax = row.train.max
            inferMs = row.infer.median; trainGFLOPs = row.trainGFLOPs; inferGFLOPs = row.inferGFLOPs
            peakBytes = row.peakBytes
        }
    }

    let device: String
    let rows: [Row]

    /// `devices` is each backend's deviceDescription; several (one run over several backends) are
    /// joined so that "device" stays the single string the peer's readers expect.
    init(devices: [String], groups: [ConfigGroup]) {
        device = devices.joined(separator: "; ")
        rows = groups.flatMap(\.rows).map(Row.init)
    }

    /// The file's bytes: sorted keys, so that the same results give the same file.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(contentsOf: "\n".utf8)
        return data
    }
}
