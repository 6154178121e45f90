import Foundation
import Testing

/// A checkpoint is a function of the training state alone: two processes that train the same steps
/// write the same bytes (a checksum or `cmp` tells a changed run from a repeated one).
@Suite struct CheckpointBytesTests {
    @Test func twoProcessesWriteIdenticalCheckpoints() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        var files: [Data] = []
        for run in ["first", "second"] {
            let out = directory.appendingPathComponent(run)
            let result = try RNNTrainProcess.run(["--text", text, "--steps", "4", "--eval-every", "2", "--out", out.path]
                                                 + RNNTrainProcess.tinyModel)
            #expect(result.status == 0, "\(result.errors)")
            files.append(try Data(contentsOf: out.appendingPathComponent("checkpoint.safetensors")))
        }
        #expect(files[0].count > 1000)
        #expect(files[0] == files[1], "the checkpoints of two identical runs differ")
    }
}
