import Dispatch
import Foundation
import Recur
import Synchronization

/// A small pool of worker threads for the CPU backend (2 cores here).
///
/// Why not `DispatchQueue.concurrentPerform`: waking a Dispatch worker took ~100 us on the target
/// machine, longer than a whole recurrent-step GEMM on one thread. Here workers spin on an atomic
/// generation counter for a bounded time after each job (so back-to-back jobs, as in BPTT, start
/// within ~1 us), then block on a semaphore so an idle process does not burn CPU.
///
/// `parallelFor` is not reentrant in parallel: a call made while the pool is already running a job
/// (from inside a body, or from another thread) runs its indices serially on the calling thread.
/// That keeps nested use deadlock-free; each index still runs exactly once.
public final class ThreadPool: @unchecked Sendable {
    /// One thread per active processor, made on first use: the pool of every `CPUBackend` not
    /// given a thread count (`CPUBackendOptions.threads`), and the default of `CPUGemm.sgemm`.
    public static let shared = ThreadPool(checked: max(1, ProcessInfo.processInfo.activeProcessorCount))

    private let state: PoolState

    /// `threads` counts the calling thread: `threads - 1` workers are started. Throws
    /// `RecurError.invalidValue` outside 1...`CPUBackendOptions.maximumThreads`.
    public convenience init(threads: Int) throws(RecurError) {
        guard (1...CPUBackendOptions.maximumThreads).contains(threads) else {
            throw .invalidValue("a thread pool has 1 to \(CPUBackendOptions.maximumThreads) threads, not \(threads)")
        }
        self.init(checked: threads)
    }

    /// A pool of `threads`, already checked.
    convenience init(checked threads: Int) {
        self.init(threads: threads, spinNanoseconds: PoolState.defaultSpinNanoseconds, hooks: PoolTestHooks())
    }

    /// For the tests: `hooks` run between two steps of the hand-out protocol, and `spinNanoseconds`
    /// bounds every spin before a sleep. A stall in a hook, with spins long enough to be sure who
    /// sleeps when, replays a preemption behind one of `PoolState`'s invariants, which a 2-core
    /// machine almost never produces on its own.
    init(threads: Int, spinNanoseconds: UInt64, hooks: PoolTestHooks) {
        precondition(threads >= 1, "ThreadPool needs at least one thread")
        state = PoolState(threads: threads, spinNanoseconds: spinNanoseconds, hooks: hooks)
        for slot in state.slots {
            let state = self.state
            let thread = Thread { state.workerLoop(slot) }
            thread.name = "recur-cpu-\(slot.index)"
            thread.start()
        }
    }

    deinit { state.stop() }

    /// The threads that run a job, the calling thread included.
    public var threadCount: Int { state.threadCount }

    /// Runs body(i) for i in 0..<count across the pool (the calling thread takes part), returns when
    /// all are done. Indices are handed out one at a time in increasing order, so a body whose cost
    /// varies balances itself; each index runs exactly once. `body` runs on several threads at
    /// once (for different indices) and must only write state that its index owns.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 || state.slots.isEmpty || !state.tryAcquire() {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { job in state.run(count: count, job: job) }
        state.release()
    }

    /// Runs body(i) for i in 0..<count with every index on its own thread at the same time, so
    /// that the bodies may wait for each other (`team`). Returns false, running nothing, when the
    /// pool cannot promise that: more indices than threads, or the pool busy with another job.
    func parallelForAllAtOnce(_ count: Int, _ body: (Int) -> Void) -> Bool {
        guard count >= 1, count <= threadCount else { return false }
        if count == 1 {
            body(0)
            return true
        }
        guard state.tryAcquire() else { return false }
        // Each thread claims one index at a time and a body cannot finish before all have started
        // (they meet at barriers), so no thread holds two indices at once.
        withoutActuallyEscaping(body) { job in state.run(count: count, job: job) }
        state.release()
        return true
    }
}

/// One worker's parking place: `sleeping` is set by the worker before it blocks on `wake`; whoever
/// flips it back to false owes (or, if the worker itself flips it, is spared) one `signal`.
final class WorkerSlot: @unchecked Sendable {
    let index: Int
    let sleeping = Atomic<Bool>(false)
    let wake = DispatchSemaphore(value: 0)
    init(index: Int) { self.index = index }
}

/// Shared state of a pool, owned jointly by the pool object and its worker threads (so that the
/// pool's deinit can tell the workers to leave).
///
/// Work hand-out: `claim` packs (generation tag << 32 | next index). A thread takes an index by a
/// compare-exchange that also checks the tag, so a worker that wakes late, after its job ended and
/// another began, can never take an index of the new job on the old job's terms. `done` counts
/// finished indices; the caller returns once it equals the count, without waiting for workers that
/// never woke up.
///
/// The caller's sleep, and the invariant that keeps it sound: `callerSleeping` holds the generation
/// of the job the caller sleeps on (0 when awake), and only a thread that finished the last index
/// of *that* generation may take it back and signal. A worker finishes an index in two steps (count
/// it in `done`, then wake the caller), and it may be preempted between them: the caller can then
/// see `done == n` by spinning, return, start job g+1 and go to sleep on it while that worker is
/// still about to wake "the caller" for job g. When the flag was a plain Bool, that stale wake-up
/// took the flag of job g+1 and `parallelFor` returned with g+1's indices still running or not yet
/// claimed; the next job's `done.store(0)` then raced their increments and the caller could sleep
/// forever. It takes three threads (the caller, the late worker and a worker on job g+1), so two
/// cores never showed it. Exactly one `signal` is owed per successful take-back of the flag by
/// someone other than the caller, and the caller consumes it.
///
/// The second invariant: a thread claims an index only against the count of the claim word's own
/// job. A worker reads the claim word, then the count, then exchanges the word; a late worker of
/// job g, preempted after reading g's final word (index == count, nothing left), could read job
/// g+1's count, already stored while the word still held g's tag, and its exchange succeeded: it
/// ran g+1's body for an index of its own making and counted it in g+1's `done` (seen here as a
/// `done` one past the count, then a caller asleep forever). So the caller first closes the word
/// (the new tag with `closedIndex`), then publishes the count with release; a worker that reads the
/// new count also sees the closed word, and its exchange fails.
final class PoolState: @unchecked Sendable {
    let threadCount: Int
    let slots: [WorkerSlot]

    /// Bounded spin before blocking, for workers waiting for a job and the caller waiting for the end.
    static let defaultSpinNanoseconds: UInt64 = 150_000
    let spinNanoseconds: UInt64

    private let generation = Atomic<Int>(0)
    private let claim = Atomic<Int>(0)
    private let count = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    /// The generation the caller sleeps on, 0 while it is awake (generations start at 1).
    private let callerSleeping = Atomic<Int>(0)
    private let callerWake = DispatchSemaphore(value: 0)
    /// The body of the current job. Written only by the caller, while no index of a job is
    /// claimable; read only by a thread that has just claimed an index of that job.
    private var job: ((Int) -> Void)?
    /// Only touched by the caller holding `busy`.
    private var lastGeneration = 0

    /// `ThreadPool.init(threads:spinNanoseconds:hooks:)`'s; all nil outside the tests.
    private let hooks: PoolTestHooks

    init(threads: Int, spinNanoseconds: UInt64, hooks: PoolTestHooks) {
        threadCount = threads
        self.spinNanoseconds = spinNanoseconds
        slots = (1..<threads).map { WorkerSlot(index: $0) }
        self.hooks = hooks
    }

    func tryAcquire() -> Bool {
        busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    func release() { busy.store(false, ordering: .releasing) }

    private static func tag(_ generation: Int) -> Int { (generation & 0x7fff_ffff) << 32 }

    /// An index no job reaches (counts are below 2^31): a claim word holding it hands out nothing.
    private static let closedIndex = 0x7fff_ffff

    /// Caller side of one job; `busy` is held.
    func run(count n: Int, job body: @escaping (Int) -> Void) {
        precondition(n < 0x8000_0000, "parallelFor count too large")
        lastGeneration &+= 1
        let g = lastGeneration
        // Close the last job's hand-out before its count changes (the type's second invariant).
        claim.store(Self.tag(g) | Self.closedIndex, ordering: .relaxed)
        job = body
        count.store(n, ordering: .releasing)
        done.store(0, ordering: .relaxed)
        if let hook = hooks.whilePublishingJob { hook() }
        claim.store(Self.tag(g), ordering: .releasing)
        generation.store(g, ordering: .sequentiallyConsistent)
        for slot in slots where slot.sleeping.load(ordering: .sequentiallyConsistent) {
            if slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) { slot.wake.signal() }
        }
        runClaims(generation: g)
        waitUntilDone(n, generation: g)
        // Every worker released its reference inside `invoke` before counting its index done, so
        // the closure is unique again here, as `withoutActuallyEscaping` requires.
        job = nil
    }

    /// Takes and runs indices of job `generation` until none is left (or the job is not current).
    private func runClaims(generation g: Int) {
        let tag = Self.tag(g)
        var current = claim.load(ordering: .acquiring)
        while true {
            if current & ~0xffff_ffff != tag { return }
            let index = current & 0xffff_ffff
            if let hook = hooks.afterReadingClaim { hook(index) }
            // Acquiring: a count of a later job comes with that job's closed claim word, so the
            // exchange below fails (the type's second invariant).
            let n = count.load(ordering: .acquiring)
            if index >= n { return }
            let (exchanged, original) = claim.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiring)
            if !exchanged {
                current = original
                continue
            }
            invoke(index)
            let (_, finished) = done.wrappingAdd(1, ordering: .sequentiallyConsistent)
            if finished == n, let hook = hooks.beforeWakingCaller { hook() }
            // Only the caller of job g may be woken on g's behalf (see the type's note).
            if finished == n,
               callerSleeping.compareExchange(expected: g, desired: 0, ordering: .sequentiallyConsistent).exchanged {
                callerWake.signal()
            }
            current = claim.load(ordering: .acquiring)
        }
    }

    /// Kept out of line so the retain/release of `job` happens before the `done` increment.
    @inline(never)
    private func invoke(_ index: Int) {
        job.unsafelyUnwrapped(index)
    }

    private func waitUntilDone(_ n: Int, generation g: Int) {
        if spin(until: { done.load(ordering: .acquiring) == n }) { return }
        callerSleeping.store(g, ordering: .sequentiallyConsistent)
        if done.load(ordering: .sequentiallyConsistent) == n,
           callerSleeping.compareExchange(expected: g, desired: 0, ordering: .sequentiallyConsistent).exchanged {
            return
        }
        // The thread that finished job g's last index took the flag back and signals (or has
        // signalled); no other thread can take a flag that holds g.
        callerWake.wait()
    }

    /// Spins for at most `spinNanoseconds`; true if `condition` became true.
    @inline(__always)
    private func spin(until condition: () -> Bool) -> Bool {
        if condition() { return true }
        let deadline = DispatchTime.now().uptimeNanoseconds &+ spinNanoseconds
        var turns = 0
        while true {
            if condition() { return true }
            turns &+= 1
            if turns & 63 == 0, DispatchTime.now().uptimeNanoseconds > deadline { return false }
        }
    }

    func workerLoop(_ slot: WorkerSlot) {
        var seen = 0
        while true {
            let g = waitForGeneration(after: seen, slot)
            if stopping.load(ordering: .acquiring) { return }
            seen = g
            runClaims(generation: g)
        }
    }

    private func waitForGeneration(after seen: Int, _ slot: WorkerSlot) -> Int {
        var g = seen
        if spin(until: { g = generation.load(ordering: .acquiring); return g != seen }) { return g }
        while true {
            slot.sleeping.store(true, ordering: .sequentiallyConsistent)
            g = generation.load(ordering: .sequentiallyConsistent)
            if g != seen {
                // Take the flag back; if the caller already took it, its signal must be consumed.
                if !slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) { slot.wake.wait() }
                return g
            }
            slot.wake.wait()
            g = generation.load(ordering: .acquiring)
            if g != seen { return g }
        }
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        for slot in slots where slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            slot.wake.signal()
        }
    }
}

/// Points between two steps of `PoolState`'s protocol where the tests stall a thread, to replay a
/// preemption that breaks an invariant unless the protocol holds it. All nil outside the tests.
struct PoolTestHooks: Sendable {
    /// On the thread that counted a job's last index, before it wakes the caller.
    var beforeWakingCaller: (@Sendable () -> Void)?
    /// On a thread that has read the claim word (the index it holds), before it reads the count.
    var afterReadingClaim: (@Sendable (_ index: Int) -> Void)?
    /// On the caller, between publishing a job's count and opening its hand-out.
    var whilePublishingJob: (@Sendable () -> Void)?
}
