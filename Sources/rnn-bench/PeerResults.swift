import Foundation

/// The JSON of the PyTorch peer (shared/tools/torch_bench.py, `--json`): `{"torch": version,
/// "rows": [{"name", "train_ms", "infer_ms", ...}]}`, read by `rnn-bench run --compare FILE` to
/// print PyTorch/Recur ratios from figures measured on the same machine.
struct PeerResults: Decodable {
    struct Row: Decodable {
        let name: String
        let trainMs: Double
        let inferMs: Double

        enum CodingKeys: String, CodingKey {
            case name, trainMs = "train_ms", inferMs = "infer_ms"
        }
    }

    let torch: String?
    let rows: [Row]

    init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PeerError("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            self = try JSONDecoder().decode(PeerResults.self, from: data)
        } catch {
            throw PeerError("\(path) is not torch_bench.py's JSON ({\"rows\": [{\"name\", \"train_ms\", \"infer_ms\"}]}): \(error)")
        }
    }

    func row(named name: String) -> Row? { rows.first { $0.name == name } }

    struct PeerError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
