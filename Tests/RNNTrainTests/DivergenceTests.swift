import Foundation
import Testing

/// A run that blows up stops with a message, exit 2, and never replaces a good checkpoint.
@Suite struct DivergenceTests {
    @Test func aDivergingRunKeepsTheGoodCheckpoint() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out = directory.appendingPathComponent("out")
        let good = try RNNTrainProcess.run(["--text", text, "--steps", "5", "--out", out.path] + RNNTrainProcess.tinyModel)
        #expect(good.status == 0, "\(good.errors)")
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors")
        let before = try Data(contentsOf: checkpoint)

        // A learning rate of 1e30 without clipping: the first update already ruins the parameters.
        // --checkpoint-every 1 asks for a checkpoint right after it.
        for optimizer in ["adam", "sgd"] {
            let result = try RNNTrainProcess.run(["--text", text, "--steps", "30", "--out", out.path, "--lr", "1e30", "--clip", "0",
                                                  "--checkpoint-every", "1", "--optimizer", optimizer] + RNNTrainProcess.tinyModel)
            #expect(result.status == 2, "\(optimizer): \(result.errors)")
            #expect(result.errors.contains("diverged at step"), "\(result.errors)")
            #expect(result.errors.contains("kept"), "\(result.errors)")
            #expect(try Data(contentsOf: checkpoint) == before, "\(optimizer): the good checkpoint was replaced")
        }

        // In a fresh directory there is nothing to keep, and nothing broken is written.
        let fresh = directory.appendingPathComponent("fresh")
        let result = try RNNTrainProcess.run(["--text", text, "--steps", "30", "--out", fresh.path, "--lr", "1e30", "--clip", "0",
                                              "--checkpoint-every", "1"] + RNNTrainProcess.tinyModel)
        #expect(result.status == 2)
        #expect(result.errors.contains("no checkpoint was written"), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: fresh.appendingPathComponent("checkpoint.safetensors").path))
    }
}
