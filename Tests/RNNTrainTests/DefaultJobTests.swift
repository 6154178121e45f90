import Foundation
import RecurOpenCL
import Testing

/// `rnn-train` with no file: the built-in binary-addition task learns, and says how well it adds.
@Suite struct DefaultJobTests {
    @Test func theLossFallsAndTheAccuraciesArePrinted() throws {
        let result = try RNNTrainProcess.run(["--backend", "cpu", "--steps", "150"])
        #expect(result.status == 0, "\(result.errors)")
        // "step    15/150  loss 0.6931"
        let losses = result.lines.filter { $0.hasPrefix("step ") && $0.contains("/150") }.compactMap { line in
            line.split(separator: " ").last.flatMap { Double($0) }
        }
        #expect(losses.count >= 5, "\(result.output)")
        let first = try #require(losses.first), last = try #require(losses.last)
        #expect(last < first * 0.8, "the loss should fall: \(losses)")
        for width in ["held-out 8-bit", "random 16-bit", "random 32-bit"] {
            let line = try #require(result.lines.first { $0.hasPrefix(width) }, "\(result.output)")
            #expect(line.contains("bit accuracy") && line.contains("exact sums"))
        }
        #expect(result.lines.contains { $0.hasPrefix("wall time") })
    }

    /// The layer-normalised cells, the LSTM's projection and zoneout on the command line: each learns the
    /// task to the same 8-bit accuracy the default does, on both backends, and says which it trained.
    @Test(arguments: [["--cell", "ln-lstm"], ["--cell", "ln-gru"], ["--cell", "lstm", "--proj", "12"],
                      ["--cell", "gru", "--zoneout", "0.1"], ["--cell", "lstm", "--cell-clip", "3"]], ["cpu", "opencl"])
    func otherCellsLearnTheTask(_ cell: [String], backend: String) throws {
        let result = try RNNTrainProcess.run(["--backend", backend, "--steps", "300", "--hidden", "24"] + cell)
        #expect(result.status == 0, "\(result.errors)")
        let name = ["lstm": "LSTM", "gru": "GRU", "ln-lstm": "layer-normalised LSTM", "ln-gru": "layer-normalised GRU"][cell[1]]!
        #expect(result.output.contains("model \(name) "), "\(result.output)")
        let line = try #require(result.lines.first { $0.hasPrefix("held-out 8-bit") }, "\(result.output)")
        // "held-out 8-bit pairs (6579) bit accuracy 100.00%   exact sums 100.00%"
        let exact = line.components(separatedBy: "exact sums").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces).dropLast()) }
        #expect((exact ?? 0) >= 95, "\(line)")
    }

    /// `auto` runs on an OpenCL GPU where there is one, and passes a CPU OpenCL device (POCL, the
    /// only device in CI) over for the CPU backend, which is faster on the same cores, saying so on
    /// stderr. A device named in RECUR_DEVICE runs OpenCL, CPU or not.
    @Test func autoTakesAGPUElseTheCPUBackend() throws {
        let chosen = try? DeviceSelection.select("")
        let result = try RNNTrainProcess.run(["--steps", "5"], environment: ["RECUR_DEVICE": ""])
        #expect(result.status == 0, "\(result.errors)")
        switch chosen?.kind {
        case nil:
            #expect(result.output.contains("backend cpu") && result.errors.contains("OpenCL is not usable"))
        case .cpu?:
            #expect(result.output.contains("backend cpu"), "\(result.output)")
            #expect(result.errors.contains("the OpenCL device is a CPU"), "\(result.errors)")
        default:
            #expect(result.output.contains("backend opencl"), "\(result.output)")
        }
        if chosen != nil {
            let named = try RNNTrainProcess.run(["--steps", "5"], environment: ["RECUR_DEVICE": "0"])
            #expect(named.status == 0, "\(named.errors)")
            #expect(named.output.contains("backend opencl"), "\(named.output)")
        }
    }

    /// Without a driver the job still runs, on the CPU, and says why. Asking for OpenCL by name is
    /// then an error that says what to install.
    @Test func withoutOpenCLTheDefaultFallsBackToTheCPU() throws {
        let noDriver = ["OCL_ICD_VENDORS": "/nonexistent", "RECUR_DEVICE": ""]
        let result = try RNNTrainProcess.run(["--steps", "20"], environment: noDriver)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("backend cpu"))
        #expect(result.errors.contains("running on the CPU"))
        let opencl = try RNNTrainProcess.run(["--steps", "20", "--backend", "opencl"], environment: noDriver)
        #expect(opencl.status == 2)
        #expect(opencl.errors.contains("pocl-opencl-icd"))
    }
}
