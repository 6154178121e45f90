import Foundation
import Recur

/// Wall time per CPU backend operation, for finding where a step's time goes (the CPU side of
/// RecurOpenCL's `KernelProfile`): a backend given one (`CPUBackendOptions.profile`) times each
/// operation on the calling thread, and inside the persistent time loops each step's phases on the
/// team's first thread (the recurrent product, the cell, the barrier). `byShape` keeps a row per
/// GEMM shape, which tells apart the input projection and the weight gradients. The caller owns
/// the profile, may share it between backends (their rows add up), and prints `report` when it is
/// done (rnn-train and rnn-bench do for `RECUR_CPU_PROFILE=1` or `shapes`). Off by default; when
/// on, it reads the clock twice per operation and three times per time step.
public final class OperationProfile: @unchecked Sendable {
    /// Whether GEMMs are told apart by their shape.
    public let byShape: Bool
    /// Phase rows ("recurrentForward: product") are parts of their operation's row, so the share is
    /// of the operations' total only.
    private let table = ProfileTable(
        title: "cpu profile (wall time on the calling thread; phases on the team's first thread):",
        counting: "calls", inShare: { !$0.contains(": ") })

    /// An empty profile; `byShape` keeps a row per GEMM shape.
    public init(byShape: Bool = false) { self.byShape = byShape }

    /// The table so far (`ProfileTable.report`).
    public var report: String { table.report }

    /// Whether no operation has been timed yet.
    public var isEmpty: Bool { table.isEmpty }

    /// Nanoseconds since an arbitrary start, for `add`.
    @inline(__always)
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Counts `calls` calls of `row` taking `nanoseconds` in all.
    func add(_ row: String, nanoseconds: UInt64, calls: Int = 1) {
        table.add(row, nanoseconds: nanoseconds, count: calls)
    }
}

extension CPUBackend {
    /// Runs `body`, counting its time under `row` when profiling.
    @inline(__always)
    func profiled<T>(_ row: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        guard let profile else { return try body() }
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
    private let profile: OperationProfile
    private var product: UInt64 = 0, cell: UInt64 = 0, wait: UInt64 = 0
    private var mark: UInt64 = 0
    private var steps = 0

    /// Timing only when profiling (`profile` not nil), on the team's first thread.
    static func start(_ loop: String, rank: Int, profile: OperationProfile?) -> LoopPhases? {
        guard let profile, rank == 0 else { return nil }
        var phases = LoopPhases(loop: loop, profile: profile)
        phases.mark = OperationProfile.now()
        return phases
    }

    private init(loop: String, profile: OperationProfile) {
        self.loop = loop
        self.profile = profile
    }

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
        profile.add(loop + ": product", nanoseconds: product, calls: steps)
        profile.add(loop + ": cell", nanoseconds: cell, calls: steps)
        profile.add(loop + ": barrier", nanoseconds: wait, calls: steps)
    }
}
