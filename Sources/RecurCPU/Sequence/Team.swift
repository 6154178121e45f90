import Glibc
import Synchronization

/// A fixed team of threads that run one body together and meet at barriers: the CPU form of a
/// persistent kernel. The recurrent time loop uses it to pay one barrier per time step instead of
/// two pool dispatches (a GEMM and a cell step), each with its own hand-out and completion wait.
struct Team {
    /// This thread's index in the team, 0..<size.
    let rank: Int
    let size: Int
    fileprivate let barrier: TeamBarrier?

    /// Returns once every member of the team has called `wait` as often as this thread has.
    /// Writes made before it are visible to every member after it.
    @inline(__always)
    func wait() { barrier?.wait() }
}

/// A sense-reversing barrier: the last arrival resets the count and advances the phase; the
/// others spin on the phase, yielding the processor after a while (the machine may run more
/// threads than cores, and a spinning waiter must not keep the one it waits for off its core).
private final class TeamBarrier: @unchecked Sendable {
    private let size: Int
    private let arrived = Atomic<Int>(0)
    private let phase = Atomic<Int>(0)

    init(size: Int) { self.size = size }

    func wait() {
        let current = phase.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == size {
            arrived.store(0, ordering: .relaxed)
            phase.store(current &+ 1, ordering: .releasing)
            return
        }
        var turns = 0
        while phase.load(ordering: .acquiring) == current {
            turns &+= 1
            if turns > 4096 { sched_yield() }
        }
    }
}

extension ThreadPool {
    /// Runs `body` on `size` threads at once (the calling thread is rank 0 or another rank), each
    /// with its own `Team` value, and returns when all have finished. When the pool cannot give
    /// that many threads right now (it is busy, as in a nested call, or has fewer threads), the
    /// team has one member and `body` runs on the calling thread alone: barriers never deadlock.
    func team(size requested: Int, _ body: (Team) -> Void) {
        let size = min(requested, threadCount)
        if size <= 1 {
            body(Team(rank: 0, size: 1, barrier: nil))
            return
        }
        let barrier = TeamBarrier(size: size)
        let ran = parallelForAllAtOnce(size) { rank in
            body(Team(rank: rank, size: size, barrier: barrier))
        }
        if !ran { body(Team(rank: 0, size: 1, barrier: nil)) }
    }
}
