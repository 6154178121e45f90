import Synchronization

/// The programs built so far in this process, one per (context, kernel file, build options).
///
/// Building is slow (POCL: 0.4-1.3 s a file cold), so each program is built once, and concurrent
/// requests for the same program wait for the one build rather than repeat it. Requests for
/// different programs build in parallel. A failed build is not cached: asking again rebuilds and
/// throws the same error.
///
/// A cached program keeps its context alive for the rest of the process; use
/// `Context.shared(for:)` so that one context per device is all that ever stays.
final class ProgramCache: Sendable {
    static let shared = ProgramCache()

    private struct Key: Hashable {
        let context: ObjectIdentifier
        let file: KernelFile
        let options: BuildOptions
    }

    /// One program's place in the cache; its lock is held while the program builds.
    private final class Slot: Sendable {
        let program = Mutex<Program?>(nil)
    }

    private let slots = Mutex<[Key: Slot]>([:])

    func program(_ file: KernelFile, context: Context, options: BuildOptions) throws(OpenCLError) -> Program {
        let key = Key(context: ObjectIdentifier(context), file: file, options: options)
        let slot = slots.withLock { slots in
            if let slot = slots[key] { return slot }
            let slot = Slot()
            slots[key] = slot
            return slot
        }
        return try slot.program.withLock { (program) throws(OpenCLError) -> Program in
            if let program { return program }
            let built = try Program(context: context, file: file, options: options)
            program = built
            return built
        }
    }

    /// How many programs are built and cached (for tests).
    var builtCount: Int {
        let all = slots.withLock { Array($0.values) }
        return all.filter { $0.program.withLock { $0 != nil } }.count
    }
}
