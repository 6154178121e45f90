import Foundation
import Testing

/// rnn-train reads the RECUR_* variables as rnn-bench does (RecurCLI's `BackendSettings`): an
/// unusable value stops it with status 2 and a message naming the variable; a profile asked for
/// is printed when the run ends.
@Suite struct EnvironmentTests {
    @Test func anUnusableValueStopsTheRun() throws {
        for (name, value, accepted) in [("RECUR_CPU_THREADS", "0", "1 to 1024"), ("RECUR_OPENCL_LOOP", "split-batch", "per-step")] {
            let result = try RNNTrainProcess.run(["--steps", "5", "--backend", "cpu"], environment: [name: value])
            #expect(result.status == 2, "\(name)=\(value): \(result.errors)")
            #expect(result.errors.contains("\(name) is \"\(value)\"") && result.errors.contains(accepted), "\(result.errors)")
            #expect(!result.output.contains("backend cpu"), "\(result.output)")
        }
    }

    @Test func theSettingsReachTheBackend() throws {
        let result = try RNNTrainProcess.run(["--steps", "5", "--backend", "cpu"],
                                             environment: ["RECUR_CPU_THREADS": "2", "RECUR_CPU_LOOP": "per-step"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("2 threads") && result.output.contains("per-step time loop"), "\(result.output)")
    }

    /// The profile is printed by the command when it ends, after the run's own output.
    @Test func aProfileIsPrintedAtTheEnd() throws {
        let result = try RNNTrainProcess.run(["--steps", "5", "--backend", "cpu"], environment: ["RECUR_CPU_PROFILE": "1"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("cpu profile") && result.errors.contains("optimizerStep"), "\(result.errors)")
        let plain = try RNNTrainProcess.run(["--steps", "5", "--backend", "cpu"], environment: ["RECUR_CPU_PROFILE": "0"])
        #expect(plain.status == 0 && !plain.errors.contains("cpu profile"), "\(plain.errors)")
    }
}
