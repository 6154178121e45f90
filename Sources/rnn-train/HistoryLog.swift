import Foundation
import Recur

/// history.csv as the run goes, so that no row is lost when the run is killed: the file is first
/// written whole (the header and the rows a resumed run keeps, AtomicFile), then each new row is
/// appended with one write(2) as soon as it is made. A process that dies keeps what the kernel
/// has: every row up to its last. history.svg, drawn from all the rows, is replaced atomically when
/// asked (at evaluations and checkpoints, and when the run ends).
final class HistoryLog {
    let csvURL: URL
    let svgURL: URL
    private(set) var rows: [HistoryRow]
    private let descriptor: Int32

    /// Starts history.csv in `directory` with `rows` (those of the run a resumed one continues).
    init(directory: URL, rows: [HistoryRow]) throws {
        csvURL = directory.appendingPathComponent("history.csv")
        svgURL = directory.appendingPathComponent("history.svg")
        self.rows = rows
        do {
            try AtomicFile.write(Data(History.csv(rows).utf8), to: csvURL)
        } catch {
            throw RNNTrainFailure("cannot write the history \(error)")
        }
        descriptor = open(csvURL.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw RNNTrainFailure("cannot open the history \(csvURL.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Appends a row to the file now: one short write of the whole line at the end (O_APPEND), so
    /// that a killed run leaves whole rows.
    func append(_ row: HistoryRow) throws {
        do {
            try AtomicFile.writeAll(Data((History.line(row) + "\n").utf8), to: descriptor, path: csvURL.path)
        } catch {
            throw RNNTrainFailure("cannot append to the history \(error)")
        }
        rows.append(row)
    }

    /// history.csv to the disk (with a checkpoint: a machine that goes down then keeps both), and
    /// history.svg redrawn.
    func save(title: String) throws {
        _ = fsync(descriptor)
        do {
            try AtomicFile.write(Data(HistoryChart.svg(rows, title: title).utf8), to: svgURL)
        } catch {
            throw RNNTrainFailure("cannot write the chart \(error)")
        }
    }
}
