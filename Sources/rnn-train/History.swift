import Foundation

/// The loss history of a char-LM run: one row every --log-every steps (the mean training loss since
/// the previous row), with the validation loss on evaluation steps. Written as history.csv (for
/// scripts and spreadsheets; HistoryLog writes it row by row) and history.svg (HistoryChart, for people).
struct HistoryRow: Equatable {
    var step: Int
    var trainLoss: Double?
    var valLoss: Double?
    /// Training wall time up to this row, resumed runs included.
    var seconds: Double
}

enum History {
    static let header = "step,train_loss,val_loss,seconds"

    /// Losses with 6 decimals: comparisons of runs (a resumed one against the uninterrupted one)
    /// need more than the 4 shown on the terminal.
    static func csv(_ rows: [HistoryRow]) -> String {
        ([header] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// One row of history.csv, without its newline.
    static func line(_ row: HistoryRow) -> String {
        func figure(_ value: Double?) -> String { value.map { String(format: "%.6f", $0) } ?? "" }
        return "\(row.step),\(figure(row.trainLoss)),\(figure(row.valLoss)),\(String(format: "%.2f", row.seconds))"
    }

    static func parse(_ text: String) throws -> [HistoryRow] {
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard lines.first == header else { throw RNNTrainFailure("not a history file: the first line is not \(header)") }
        lines.removeFirst()
        return try lines.enumerated().map { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let step = Int(fields[0]), let seconds = Double(fields[3]) else {
                throw RNNTrainFailure("history line \(index + 2) is not step,train_loss,val_loss,seconds: \(line)")
            }
            return HistoryRow(step: step, trainLoss: Double(fields[1]), valLoss: Double(fields[2]), seconds: seconds)
        }
    }

    /// The rows of an earlier run in `directory` up to `step`: a resumed run continues its history
    /// (rows past the checkpoint belong to a future the resumed run replaces).
    static func rows(in directory: URL, upTo step: Int) -> [HistoryRow] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("history.csv"), encoding: .utf8),
              let rows = try? parse(text) else { return [] }
        return rows.filter { $0.step <= step }
    }
}
