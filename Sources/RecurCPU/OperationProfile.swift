import Foundation
import Recur

/// Wall time per CPU backend operation, for finding where a step's time goes (the CPU side of
/// RecurOpenCL's `RECUR_OPENCL_PROFILE`): `RECUR_CPU_PROFILE=1` times each operation on the
/// calling thread, and inside the persistent time loops each step's phases on the team's first
/// thread (the recurrent product, the cell, the barrier), and prints a table to standard error
/// when the process exits. `RECUR_CPU_PROFILE=shapes` keeps a row per GEMM shape, which tells
/// apart the input projection and the weight gradients. Off by default; when on, it reads the
/// clock twice per operation and three times per time step.
final class OperationProfile: @unchecked Sendable {
    /// The process's profile, or nil when `RECUR_CPU_PROFILE` is neither 1 nor `shapes`.
    static let shared: OperationProfile? = {
        let setting = ProcessInfo.processInfo.environment["RECUR_CPU_PROFILE"]
        guard setting == "1" || setting == "shapes" else { return nil }
        let profile = OperationProfile(byShape: setting == "shapes")
        atexit { OperationProfile.shared?.report() }
        return profile
    }()

    /// Whether GEMMs are told apart by their shape.
    let byShape: Bool
    /// Phase rows ("recurrentForward: product") are parts of their operation's row, so the share is
    /// of the operations' total only.
    private let table = ProfileTable(
        title: "cpu profile (wall time on the calling thread; phases on the team's first thread):",
        counting: "calls", inShare: { !$0.contains(": ") })

    private init(byShape: Bool) { self.byShape = byShape }

    /// Nanoseconds since an arbitrary start, for `add`.
    @inline(__always)
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Counts `calls` calls of `row` taking `nanoseconds` in all.
    func add(_ row: String, nanoseconds: UInt64, calls: Int = 1) {
        table.add(row, nanoseconds: nanoseconds, count: calls)
    }

    private func report() { table.report() }
}

extension CPUBackend {
    /// Runs `body`, counting its time under `row` when profiling.
    @inline(__always)
    func profiled<T>(_ row: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        guard let profile = OperationProfile.shared else { return try body() }
        let start = OperationProfile.now()
        let result = try body()
        profile.add(row(), nanoseconds: OperationProfile.now() - start)
        return result
    }
}

/// The phases of one time loop on one thread: each step's recurrent product, cell and barrier
/// wait, added to the profile once at the end of the loop (rows "<loop>: product" and so on).
struct LoopPhases {
    private let loop: String
    private var product: UInt64 = 0, cell: UInt64 = 0, wait: UInt64 = 0
    private var mark: UInt64 = 0
    private var steps = 0

    /// Timing only when profiling, on the team's first thread.
    static func start(_ loop: String, rank: Int) -> LoopPhases? {
        guard OperationProfile.shared != nil, rank == 0 else { return nil }
        var phases = LoopPhases(loop: loop)
        phases.mark = OperationProfile.now()
        return phases
    }

    private init(loop: String) { self.loop = loop }

    /// The time since the last mark was the product / the cell / the barrier.
    mutating func productDone() { product += lap() }
    mutating func cellDone() { cell += lap() }
    mutating func waitDone() { wait += lap(); steps += 1 }

    private mutating func lap() -> UInt64 {
        let now = OperationProfile.now()
        defer { mark = now }
        return now - mark
    }

    func finish() {
        guard let profile = OperationProfile.shared else { return }
        profile.add(loop + ": product", nanoseconds: product, calls: steps)
        profile.add(loop + ": cell", nanoseconds: cell, calls: steps)
        profile.add(loop + ": barrier", nanoseconds: wait, calls: steps)
    }
}
