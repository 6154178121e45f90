import Foundation

/// Time per row (an operation, a kernel, a phase), added up over the backends that share it and
/// rendered as one table (`report`): the table behind the CPU and OpenCL backends' profiles
/// (`RECUR_CPU_PROFILE` and `RECUR_OPENCL_PROFILE` in the command lines). Rows are sorted by time;
/// each gives its total, its share, its count and its time per count. The table never prints
/// itself: whoever asked for the profile prints `report` when its work is done.
public final class ProfileTable: @unchecked Sendable {
    private let title: String
    private let counting: String
    private let inShare: (String) -> Bool
    private struct Total { var count = 0; var nanoseconds: UInt64 = 0 }
    private var totals: [String: Total] = [:]
    private let lock = NSLock()

    /// `counting` names what a row counts ("calls", "launches"); the share is of the rows for which
    /// `inShare` holds (rows that are parts of others leave it out).
    public init(title: String, counting: String, inShare: @escaping (String) -> Bool = { _ in true }) {
        self.title = title
        self.counting = counting
        self.inShare = inShare
    }

    /// Adds `count` occurrences of `row` taking `nanoseconds` in all. Safe from any thread.
    public func add(_ row: String, nanoseconds: UInt64, count: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        totals[row, default: Total()].count += count
        totals[row, default: Total()].nanoseconds += nanoseconds
    }

    /// Whether nothing has been added yet.
    public var isEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return totals.isEmpty
    }

    /// The table: the title, then one line per row, most time first.
    public var report: String {
        lock.lock()
        defer { lock.unlock() }
        let all = totals.filter { inShare($0.key) }.values.reduce(UInt64(0)) { $0 + $1.nanoseconds }
        var lines = [title]
        let rows = totals.sorted { $0.value.nanoseconds != $1.value.nanoseconds
            ? $0.value.nanoseconds > $1.value.nanoseconds : $0.key < $1.key }
        for (row, total) in rows {
            let ms = Double(total.nanoseconds) / 1e6
            let share = all == 0 ? 0 : 100 * Double(total.nanoseconds) / Double(all)
            let each = Double(total.nanoseconds) / 1e3 / Double(max(total.count, 1))
            let padded = row.padding(toLength: max(36, row.count), withPad: " ", startingAt: 0)
            lines.append("  " + padded + String(format: " %9.1f ms %5.1f%% %8d ", ms, share, total.count) + counting
                         + String(format: " %10.1f us each", each))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
