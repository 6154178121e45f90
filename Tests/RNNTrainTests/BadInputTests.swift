import Foundation
import Recur
import Testing

/// Every unusable input ends in a message that names the problem and exit status 2, never a crash
/// (RNNTrainProcess.run checks that the process exited rather than died).
@Suite struct BadInputTests {
    func expectUsageError(_ arguments: [String], mentions fragments: [String],
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try RNNTrainProcess.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.errors)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.errors.contains(fragment), "\(arguments): no \"\(fragment)\" in \(result.errors)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func unusableTexts() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cpu = ["--backend", "cpu", "--out", directory.appendingPathComponent("out").path]
        try expectUsageError(["--text", directory.appendingPathComponent("missing.txt").path] + cpu,
                             mentions: ["missing.txt", "no such file"])
        let empty = try RNNTrainProcess.write("", named: "empty.txt", in: directory)
        try expectUsageError(["--text", empty] + cpu, mentions: ["empty.txt", "empty"])
        let one = try RNNTrainProcess.write(String(repeating: "a", count: 500), named: "one.txt", in: directory)
        try expectUsageError(["--text", one] + cpu, mentions: ["1 distinct character", "at least 2"])
        let short = try RNNTrainProcess.write("abcdefghij", named: "short.txt", in: directory)
        try expectUsageError(["--text", short] + cpu, mentions: ["too short", "--seq-len"])
        let binary = directory.appendingPathComponent("binary.txt")
        try Data([0xFF, 0xFE, 0x00, 0x41, 0xC3]).write(to: binary)
        try expectUsageError(["--text", binary.path] + cpu, mentions: ["not valid UTF-8"])
        try expectUsageError(["--steps", "0"], mentions: ["--steps"])
        try expectUsageError(["--backend", "tpu"], mentions: ["tpu"])
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/checkpoint.safetensors").path) == false)
    }

    @Test func unusableCheckpoints() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out = directory.appendingPathComponent("out")
        let made = try RNNTrainProcess.run(["--text", text, "--steps", "3", "--out", out.path] + RNNTrainProcess.tinyModel)
        #expect(made.status == 0, "\(made.errors)")
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors")

        // Another cell or shape than the checkpoint's: the options are named.
        let resume = ["--text", text, "--backend", "cpu", "--steps", "6", "--out", out.path, "--resume", checkpoint.path]
        try expectUsageError(resume + ["--cell", "gru"], mentions: ["--cell gru", "lstm"])
        try expectUsageError(resume + ["--hidden", "20"], mentions: ["--hidden 20", "12"])

        // Tensors of another shape than the checkpoint's model metadata says (and no rnn-train
        // settings): Recur's Checkpoint.load names the parameter.
        let vocabulary = Set(RNNTrainProcess.smallText().unicodeScalars).sorted().map { String($0) }
        let foreign = directory.appendingPathComponent("foreign.safetensors")
        var file = try SafeTensors(contentsOf: checkpoint)
        var model = try JSONDecoder().decode(ModelConfiguration.self, from: Data(file.metadata["model"]!.utf8))
        model.hiddenSize = 5
        file.metadata["model"] = String(decoding: try JSONEncoder().encode(model), as: UTF8.self)
        file.metadata["train"] = nil
        try file.write(to: foreign)
        #expect(vocabulary.count > 2)
        try expectUsageError(["--text", text, "--backend", "cpu", "--out", out.path, "--resume", foreign.path],
                             mentions: ["foreign.safetensors", "rnn.weight_ih_l0"])

        // Corrupt: the file cut short, and a file that is not a checkpoint at all.
        let data = try Data(contentsOf: checkpoint)
        let truncated = directory.appendingPathComponent("truncated.safetensors")
        try data.prefix(data.count / 2).write(to: truncated)
        try expectUsageError(resume.dropLast() + [truncated.path], mentions: ["truncated.safetensors"])
        try expectUsageError(["sample", "--checkpoint", truncated.path, "--backend", "cpu"], mentions: ["truncated.safetensors"])
        try expectUsageError(["sample", "--checkpoint", text, "--backend", "cpu"], mentions: ["small.txt"])
        try expectUsageError(["sample", "--checkpoint", directory.appendingPathComponent("none.safetensors").path],
                             mentions: ["no such file"])

        // A prompt the vocabulary cannot spell: the characters are named.
        try expectUsageError(["sample", "--checkpoint", checkpoint.path, "--prompt", "the Zebra", "--backend", "cpu"],
                             mentions: ["\"Z\"", "\"Z\" (U+005A)"])
        #expect(try Data(contentsOf: checkpoint) == data, "a failed resume leaves the checkpoint alone")
    }
}

extension BadInputTests {
    /// --clip-value: a negative or non-finite limit is refused by name; a limit clamps the
    /// gradients, so a run with a tiny one trains differently from one without.
    @Test func clipValue() throws {
        try expectUsageError(["--clip-value=-1", "--backend", "cpu"], mentions: ["--clip-value"])
        try expectUsageError(["--clip-value", "nan", "--backend", "cpu"], mentions: ["--clip-value"])
        let plain = try RNNTrainProcess.run(["--backend", "cpu", "--steps", "30"])
        let clamped = try RNNTrainProcess.run(["--backend", "cpu", "--steps", "30", "--clip-value", "0.001"])
        #expect(plain.status == 0 && clamped.status == 0, "\(clamped.errors)")
        let losses = { (lines: [String]) in lines.filter { $0.hasPrefix("step ") } }
        #expect(!losses(plain.lines).isEmpty && losses(plain.lines) != losses(clamped.lines))
    }
}
