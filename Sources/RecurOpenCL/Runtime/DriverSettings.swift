#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Driver settings that only the environment reaches, set before the first OpenCL call of the
/// process (drivers read them when the ICD loader first starts them). A value the user set wins.
enum DriverSettings {
    /// POCL's CPU device: POCL_AFFINITY=1 pins its worker threads one to a core. Unpinned, Linux
    /// often kept both of POCL's two workers on one core of this 2-core VM, for a whole process or
    /// a stretch of it, which halved every multi-threaded kernel: lstm-small training (the
    /// whole-sequence loop, one work-group per core) took 3.5-7.5 ms within one run, median 6.3-6.9
    /// over four runs; pinned, 3.43-3.55 over four. The recurrent-step GEMM of `rnn-bench peak`
    /// measured 230 or 440 GFLOP/s by process unpinned, 440-460 pinned (5 of 6 runs). POCL skips a
    /// core the process may not use (the pinning call fails and the thread stays free).
    /// Other drivers ignore the variable.
    static let applied: Void = {
        setenv("POCL_AFFINITY", "1", 0)  // 0: keep the user's value
    }()
}
