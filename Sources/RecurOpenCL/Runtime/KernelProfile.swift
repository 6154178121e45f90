import COpenCL
import Foundation
import Recur

/// Device time per kernel, for finding where a step's time goes: `RECUR_OPENCL_PROFILE=1` makes
/// every queue a profiling queue that keeps one event per launch, reads the events' start and end
/// at each `finish()`, and prints a table per kernel to standard error when the process exits.
/// `RECUR_OPENCL_PROFILE=ranges` keeps one row per kernel and global range instead, which tells
/// apart the GEMMs of one step (the recurrent product, the input projection, the weight gradients).
/// Off by default: events and profiling cost time on every launch.
final class KernelProfile: @unchecked Sendable {
    /// The process's profile, or nil when `RECUR_OPENCL_PROFILE` is neither 1 nor `ranges`.
    static let shared: KernelProfile? = {
        let setting = ProcessInfo.processInfo.environment["RECUR_OPENCL_PROFILE"]
        guard setting == "1" || setting == "ranges" else { return nil }
        let profile = KernelProfile(byRange: setting == "ranges")
        atexit { KernelProfile.shared?.report() }
        return profile
    }()

    /// What a row of the table counts: a kernel, or a kernel on one global range.
    struct Key: Hashable {
        let name: KernelName
        let range: [Int]?

        var label: String {
            guard let range else { return name.rawValue }
            return name.rawValue + " " + range.map(String.init).joined(separator: "x")
        }
    }

    /// Whether launches are told apart by their global range.
    let byRange: Bool
    private let table = ProfileTable(title: "kernel profile (device time, all queues):", counting: "launches")

    private init(byRange: Bool) { self.byRange = byRange }

    /// The row a launch of `name` on `global` counts in.
    func key(_ name: KernelName, global: [Int]) -> Key { Key(name: name, range: byRange ? global : nil) }

    /// Adds the device time of finished launches, then releases their events.
    func collect(_ events: [(Key, cl_event)]) {
        for (key, event) in events {
            var start: cl_ulong = 0, end: cl_ulong = 0
            clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_START), MemoryLayout<cl_ulong>.size, &start, nil)
            clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_END), MemoryLayout<cl_ulong>.size, &end, nil)
            table.add(key.label, nanoseconds: end > start ? end - start : 0)
            clReleaseEvent(event)
        }
    }

    private func report() { table.report() }
}
