import Foundation
import Testing

/// best.safetensors holds the parameters of the lowest validation loss, which the run names at its end.
@Suite struct BestCheckpointTests {
    @Test func theBestValidationStepIsKeptAndNamed() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out = directory.appendingPathComponent("run")
        // A rate high enough that the validation loss does not fall at every evaluation.
        let run = try RNNTrainProcess.run(["--text", text, "--steps", "60", "--eval-every", "10", "--lr", "0.05",
                                           "--out", out.path] + RNNTrainProcess.tinyModel)
        #expect(run.status == 0, "\(run.errors)")
        let csv = try String(contentsOf: out.appendingPathComponent("history.csv"), encoding: .utf8)
        var validation: [(step: Int, loss: Double)] = []
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if let loss = Double(fields[2]) { validation.append((Int(fields[0])!, loss)) }
        }
        let best = try #require(validation.min { $0.loss < $1.loss })
        #expect(run.output.contains(String(format: "best validation loss %.4f at step %d: best.safetensors", best.loss, best.step)),
                "\(run.output)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("best.safetensors").path))
        // The file is a checkpoint `sample` reads.
        let sample = try RNNTrainProcess.run(["sample", "--checkpoint", out.appendingPathComponent("best.safetensors").path,
                                              "--length", "20", "--backend", "cpu"])
        #expect(sample.status == 0, "\(sample.errors)")
    }
}
