import COpenCL
import Foundation

/// Device time per kernel, for finding where a step's time goes: `RECUR_OPENCL_PROFILE=1` makes
/// every queue a profiling queue that keeps one event per launch, reads the events' start and end
/// at each `finish()`, and prints a table per kernel to standard error when the process exits.
/// Off by default: events and profiling cost time on every launch.
final class KernelProfile: @unchecked Sendable {
    /// The process's profile, or nil when `RECUR_OPENCL_PROFILE` is not 1.
    static let shared: KernelProfile? = {
        guard ProcessInfo.processInfo.environment["RECUR_OPENCL_PROFILE"] == "1" else { return nil }
        let profile = KernelProfile()
        atexit { KernelProfile.shared?.report() }
        return profile
    }()

    private struct Total { var launches = 0; var nanoseconds: UInt64 = 0 }
    private var totals: [KernelName: Total] = [:]
    private let lock = NSLock()

    /// Adds the device time of finished launches, then releases their events.
    func collect(_ events: [(KernelName, cl_event)]) {
        lock.lock()
        defer { lock.unlock() }
        for (name, event) in events {
            var start: cl_ulong = 0, end: cl_ulong = 0
            clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_START), MemoryLayout<cl_ulong>.size, &start, nil)
            clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_END), MemoryLayout<cl_ulong>.size, &end, nil)
            totals[name, default: Total()].launches += 1
            totals[name, default: Total()].nanoseconds += end > start ? end - start : 0
            clReleaseEvent(event)
        }
    }

    private func report() {
        lock.lock()
        defer { lock.unlock() }
        let all = totals.values.reduce(UInt64(0)) { $0 + $1.nanoseconds }
        var lines = ["kernel profile (device time, all queues):"]
        for (name, total) in totals.sorted(by: { $0.value.nanoseconds > $1.value.nanoseconds }) {
            let ms = Double(total.nanoseconds) / 1e6
            let share = all == 0 ? 0 : 100 * Double(total.nanoseconds) / Double(all)
            let perLaunch = Double(total.nanoseconds) / 1e3 / Double(max(total.launches, 1))
            let padded = name.rawValue.padding(toLength: max(28, name.rawValue.count), withPad: " ", startingAt: 0)
            lines.append("  " + padded + String(format: " %9.1f ms %5.1f%% %8d launches %9.1f us each",
                                                ms, share, total.launches, perLaunch))
        }
        FileHandle.standardError.write((lines.joined(separator: "\n") + "\n").data(using: .utf8)!)
    }
}
