import Foundation
import Recur
import Testing

/// Checkpoints edited the ways QA found: each is refused at once, exit 2 with a message naming the
/// field, before a model is built (no trap, no huge allocation, no silent fallback to defaults).
@Suite struct UntrustedCheckpoints {
    @Test func editedCheckpointsAreRefusedWithTheField() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out = directory.appendingPathComponent("out")
        let made = try RNNTrainProcess.run(["--text", text, "--steps", "3", "--out", out.path] + RNNTrainProcess.tinyModel)
        #expect(made.status == 0, "\(made.errors)")
        let original = try SafeTensors(contentsOf: out.appendingPathComponent("checkpoint.safetensors"))

        func edited(_ name: String, _ edit: (inout SafeTensors) throws -> Void) throws -> String {
            var file = original
            try edit(&file)
            let url = directory.appendingPathComponent(name)
            try file.write(to: url)
            return url.path
        }
        func json(_ key: String, _ field: String, _ value: Any) throws -> (inout SafeTensors) throws -> Void {
            { file in
                var object = try JSONSerialization.jsonObject(with: Data(file.metadata[key]!.utf8)) as! [String: Any]
                object[field] = value
                file.metadata[key] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            }
        }
        func expectRefused(_ arguments: [String], mentions fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
            let started = ContinuousClock.now
            let result = try RNNTrainProcess.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.errors)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(result.errors.contains(fragment), "no \"\(fragment)\" in \(result.errors)", sourceLocation: sourceLocation)
            }
            #expect(ContinuousClock.now - started < .seconds(5), "refused only after \(ContinuousClock.now - started)",
                    sourceLocation: sourceLocation)
        }

        // The stored model's sizes: sample builds the model from them.
        for (field, value, fragment) in [("hiddenSize", 1 << 31, "hidden size"), ("inputSize", 1 << 62, "input size"),
                                         ("numLayers", 1 << 40, "number of layers"), ("hiddenSize", 100_000, "hidden size"),
                                         ("hiddenSize", 3000, "rnn.weight_ih_l0")] {
            let path = try edited("model-\(field)-\(value).safetensors", try json("model", field, value))
            try expectRefused(["sample", "--checkpoint", path, "--backend", "cpu"], mentions: [fragment])
        }

        // The stored step and settings: resume must not fall back to step 0 or the defaults.
        let resume = ["--text", text, "--backend", "cpu", "--steps", "6", "--out", out.path, "--resume"]
        for (step, name) in [("-1", "minus"), ("seven", "word"), ("", "empty")] {
            let path = try edited("step-\(name).safetensors") { $0.metadata["step"] = step }
            try expectRefused(resume + [path], mentions: ["step"])
        }
        try expectRefused(resume + [try edited("batch0.safetensors", try json("train", "batch", 0))], mentions: ["batch must be at least 1"])
        try expectRefused(resume + [try edited("seq.safetensors", try json("train", "seqLen", -5))], mentions: ["seqLen"])
        try expectRefused(resume + [try edited("settings.safetensors") { $0.metadata["train"] = "{not json" }], mentions: ["settings"])

        // A NaN among the parameters: named, not sampled as "NNNN".
        let poisoned = try edited("nan.safetensors") { file in
            var values = try file.floats("head.bias")
            values[0] = .nan
            file.remove("head.bias")
            try file.set("head.bias", floats: values, shape: [values.count])
        }
        try expectRefused(["sample", "--checkpoint", poisoned, "--backend", "cpu"], mentions: ["head.bias", "nan"])
    }
}
