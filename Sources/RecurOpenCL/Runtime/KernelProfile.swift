import COpenCL
import Foundation
import Recur

/// Device time per kernel, for finding where a step's time goes: a backend given one
/// (`OpenCLBackendOptions.profile`) makes every queue a profiling queue that keeps one event per
/// launch and reads the events' start and end at each `finish()`. `byRange` keeps one row per
/// kernel and global range instead of one per kernel, which tells apart the GEMMs of one step (the
/// recurrent product, the input projection, the weight gradients). The caller owns the profile,
/// may share it between backends (their rows add up), and prints `report` when it is done
/// (rnn-train and rnn-bench do for `RECUR_OPENCL_PROFILE=1` or `ranges`). Off by default: events
/// and profiling cost time on every launch.
public final class KernelProfile: @unchecked Sendable {
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
    public let byRange: Bool
    private let table = ProfileTable(title: "kernel profile (device time, all queues):", counting: "launches")

    /// An empty profile; `byRange` keeps a row per kernel and global range.
    public init(byRange: Bool = false) { self.byRange = byRange }

    /// The table so far (`ProfileTable.report`).
    public var report: String { table.report }

    /// Whether no launch has been timed yet.
    public var isEmpty: Bool { table.isEmpty }

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
}
