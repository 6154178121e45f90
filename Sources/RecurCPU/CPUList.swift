import Foundation

/// Linux's list format for sets of CPUs ("0", "0-1", "0-3,8-11"), as sysfs's `shared_cpu_list`
/// and /proc's `Cpus_allowed_list` write it. The text comes from outside the program: a part that
/// is empty, not a number of at most 6 digits, or a range running backwards makes the list unreadable.
public enum CPUList {
    /// The list's ranges in order, or nil when it does not parse (an empty list included).
    public static func ranges(_ text: String) -> [ClosedRange<Int>]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        var ranges: [ClosedRange<Int>] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ (1...6).contains($0.count) }),
                  let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), 0 <= low, low <= high
            else { return nil }
            ranges.append(low...high)
        }
        return ranges
    }
}
