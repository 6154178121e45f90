import Foundation
import RecurCPU

/// Driver settings that only the environment reaches, made by the command lines (never by the
/// libraries, which leave the process's environment alone) before the first OpenCL call of the
/// process: drivers read them when the ICD loader first starts them. A value the user set wins.
public enum DriverSettings {
    /// POCL's CPU device: POCL_AFFINITY=1 pins its worker thread i to CPU i. Unpinned, Linux often
    /// kept both of POCL's two workers on one core of this 2-core VM, for a whole process or a
    /// stretch of it, which halved every multi-threaded kernel: lstm-small training (the
    /// whole-sequence loop, one work-group per core) took 3.5-7.5 ms within one run, median 6.3-6.9
    /// over four runs; pinned, 3.43-3.55 over four (and 4 of 4 alternated pairs faster later). The
    /// recurrent-step GEMM of `rnn-bench peak` measured 230 or 440 GFLOP/s by process unpinned,
    /// 440-460 pinned (5 of 6 runs). Newer POCL versions abort when a pinning call fails, so the
    /// setting is made only where the process may run on exactly CPUs 0 ..< n (all n online ones):
    /// not in a container or under taskset limited to other CPUs. Other drivers ignore the variable.
    ///
    /// `mainExitingTwoOnErrors` applies it first thing, while the process has one thread: setenv
    /// is not safe beside threads that read the environment, and no OpenCL call has been made yet.
    /// Applying it again does nothing.
    public static func apply() { _ = applied }

    private static let applied: Void = {
        guard ProcessInfo.processInfo.environment["POCL_AFFINITY"] == nil,
              let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
              allowsExactlyCPUs(upTo: ProcessInfo.processInfo.activeProcessorCount,
                                cpusAllowedList: String(line.dropFirst("Cpus_allowed_list:".count)))
        else { return }
        setenv("POCL_AFFINITY", "1", 0)
    }()

    /// Whether a Linux CPU list ("0-1", "0,2-3") names exactly CPUs 0 ..< n; false when it cannot
    /// be read.
    public static func allowsExactlyCPUs(upTo n: Int, cpusAllowedList list: String) -> Bool {
        guard n > 0, let ranges = CPUList.ranges(list) else { return false }
        return ranges.reduce(into: Set<Int>()) { $0.formUnion($1) } == Set(0..<n)
    }
}
