import Foundation
import Recur
import RecurCPU
import RecurFixtures
import RecurTestSupport
import Testing

/// Seeded mutations of the package's fixtures and of a checkpoint the library wrote, fed through
/// every loader (the safetensors reader, the layer and train fixture loaders, the checkpoint loader
/// as rnn-train uses it): each must load or throw a typed error. A trap would end the test run,
/// which shows as a failure too. Deterministic: the same mutations every run.
@Suite struct FileMutations {
    enum Outcome: Hashable { case loaded, refused }

    let backend = CPUBackend(threads: 1)

    /// A small char-model checkpoint with Adam's state, written by `Checkpoint.save`.
    func checkpoint() throws -> Data {
        let configuration = ModelConfiguration.languageModel(vocabularySize: 7, embeddingSize: 3, mode: .lstm,
                                                             hiddenSize: 4, numLayers: 2)
        let model = try RecurrentModel(configuration, backend: backend, seed: 3)
        let optimizer = try Optimizer(.adam(learningRate: 0.01))
        let trainer = SequenceTrainer(model: model, optimizer: optimizer, clipNorm: 1)
        let tokens: [Int32] = [1, 2, 3, 4, 5, 6, 0, 1]
        _ = try trainer.stepClassifyingEachStep(
            .tokens(try backend.indices(Array(tokens[0..<6]), shape: [3, 2], limit: 7, name: "tokens")), targets: Array(tokens[2..<8]))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mutations-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model: model, optimizer: optimizer, metadata: ["vocabulary": #"["a","b","c","d","e","f","g"]"#], to: url)
        return try Data(contentsOf: url)
    }

    /// Every loader on one file; a typed error is a refusal, anything else is recorded as an issue.
    func exercise(_ data: Data, runs: Bool, label: String) -> Outcome {
        do {
            let file = try SafeTensors(data: data)
            switch file.metadata["kind"] {
            case "layer":
                let fixture = try LayerFixture(file)
                if runs { _ = try fixture.run(on: backend) }
            case "train":
                let fixture = try TrainFixture(file)
                if runs { _ = try fixture.run(on: backend) }
            default:
                // As rnn-train sample does: the checkpoint's own model, checked before it is built.
                let header = try Checkpoint.header(of: file, name: label)
                guard let configuration = header.configuration else { return .loaded }
                try Limits.checkMemory(try configuration.memoryEstimate(batch: 1, steps: 1, training: false), for: label)
                try Checkpoint.checkParameters(in: file, name: label, shapes: try configuration.parameterShapes())
                let model = try RecurrentModel(configuration, backend: backend)
                try Checkpoint.load(file, named: label, into: model, optimizer: try Optimizer(.adam(learningRate: 0.01)))
            }
            return .loaded
        } catch is RecurError, is SafeTensorsError {
            return .refused
        } catch {
            Issue.record("\(label): an untyped error \(type(of: error)): \(error)")
            return .refused
        }
    }

    @Test func seededMutationsLoadOrThrowTypedErrors() throws {
        var originals: [(name: String, data: Data)] = try FixtureFiles.all.map { ($0.lastPathComponent, try Data(contentsOf: $0)) }
        originals.append(("pytorch_lstm_charmodel", try Data(contentsOf: FixtureFiles.interchange("pytorch_lstm_charmodel.safetensors"))))
        originals.append(("checkpoint", try checkpoint()))
        for original in originals {
            #expect(exercise(original.data, runs: false, label: original.name) == .loaded, "\(original.name) itself")
        }

        var random = SeededGenerator(seed: 20_261_205)
        var outcomes: [String: [Outcome: Int]] = [:]
        let perFile = 130
        for original in originals {
            for index in 0..<perFile {
                let (kind, mutant) = Mutator.mutate(original.data, &random)
                // A few accepted mutants run too (the run is where an unchecked size would trap); not
                // all, to keep the test to seconds.
                let outcome = exercise(mutant, runs: index % 10 == 0 && mutant.count < 30_000,
                                       label: "\(original.name) #\(index) (\(kind))")
                outcomes[kind, default: [:]][outcome, default: 0] += 1
            }
        }
        let total = outcomes.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        #expect(total == originals.count * perFile)
        // Each kind of mutation is refused at least once, and the harmless ones (a flipped bit in the
        // data) load: a test that could only ever see one outcome would prove nothing.
        for (kind, counts) in outcomes {
            #expect(counts[.refused, default: 0] > 0, "\(kind): never refused \(counts)")
        }
        #expect(outcomes.values.reduce(0) { $0 + $1[.loaded, default: 0] } > 0)
    }

    @Test func theCasesQAFoundAreTypedErrors() throws {
        let checkpoint = try checkpoint()
        let file = try SafeTensors(data: checkpoint)
        func withModel(_ edit: (inout [String: Any]) -> Void) throws -> Data {
            var copy = file
            var model = try JSONSerialization.jsonObject(with: Data(file.metadata["model"]!.utf8)) as! [String: Any]
            edit(&model)
            copy.metadata["model"] = String(decoding: try JSONSerialization.data(withJSONObject: model), as: UTF8.self)
            return try copy.serialized()
        }
        for (key, value) in [("hiddenSize", 1 << 31), ("inputSize", 1 << 62), ("numLayers", 1 << 40), ("hiddenSize", 100_000),
                             ("hiddenSize", 3000), ("hiddenSize", -1)] {
            let started = ContinuousClock.now
            #expect(exercise(try withModel { $0[key] = value }, runs: false, label: "\(key) \(value)") == .refused)
            #expect(ContinuousClock.now - started < .seconds(1), "\(key) \(value) refused only after \(ContinuousClock.now - started)")
        }
        for step in ["-1", "x", "1e3", ""] {
            var copy = file
            copy.metadata["step"] = step
            #expect(exercise(try copy.serialized(), runs: false, label: "step \(step)") == .refused)
        }
        // A NaN or infinity in a parameter is refused, naming the tensor.
        var poisoned = SafeTensors()
        poisoned.metadata = file.metadata
        for name in file.names {
            var values = try file.floats(name)
            if name == "rnn.weight_hh_l1" { values[5] = .nan }
            try poisoned.set(name, floats: values, shape: try file.entry(name).shape)
        }
        let model = try RecurrentModel(
            try JSONDecoder().decode(ModelConfiguration.self, from: Data(file.metadata["model"]!.utf8)), backend: backend)
        do {
            try Checkpoint.load(poisoned, named: "poisoned", into: model)
            Issue.record("a NaN parameter was loaded")
        } catch let error as RecurError {
            #expect(error.description.contains("rnn.weight_hh_l1") && error.description.contains("nan"), "\(error)")
        }
    }

    @Test func theFixtureCasesQAFoundAreTypedErrors() throws {
        let layer = try Data(contentsOf: FixtureFiles.all.first { $0.lastPathComponent == "lstm_1l.safetensors" }!)
        let train = try Data(contentsOf: FixtureFiles.all.first { $0.lastPathComponent == "train_gru_adam.safetensors" }!)
        func edited(_ data: Data, metadata key: String, _ value: String) throws -> Data {
            var file = try SafeTensors(data: data)
            file.metadata[key] = value
            return try file.serialized()
        }
        func reshaped(_ data: Data, _ name: String, _ shape: [Int]) throws -> Data {
            let file = try SafeTensors(data: data)
            var copy = file
            copy.remove(name)
            let entry = try file.entry(name)
            if entry.dtype.isFloatingPoint {
                let values = try file.floats(name)
                let count = shape.reduce(1, *)
                try copy.set(name, floats: Array((values + Array(repeating: 0, count: max(0, count - values.count))).prefix(count)), shape: shape)
            } else {
                try copy.set(name, int64s: Array(try file.int64s(name).prefix(shape.reduce(1, *))), shape: shape)
            }
            return try copy.serialized()
        }
        var cases: [(String, Data)] = []
        for key in ["hidden_size", "num_layers", "input_size"] {
            for value in [String(Int.max), String(Int.max - 1), "2147483648", "-1", "0", "x"] {
                cases.append(("layer \(key) \(value)", try edited(layer, metadata: key, value)))
            }
        }
        for key in ["hidden_size", "num_layers", "vocab", "embedding_size", "steps"] {
            for value in [String(Int.max), "2147483648", "-1", "0"] {
                cases.append(("train \(key) \(value)", try edited(train, metadata: key, value)))
            }
        }
        cases.append(("input rank 1", try reshaped(layer, "input", [7 * 4 * 5])))
        cases.append(("tokens rank 1", try reshaped(train, "tokens", [22])))
        cases.append(("tokens [0, 2]", try reshaped(train, "tokens", [0, 2])))
        var tokens = try SafeTensors(data: train)
        var values = try tokens.int64s("tokens")
        values[3] = 1 << 31
        tokens.remove("tokens")
        try tokens.set("tokens", int64s: values, shape: [11, 2])
        cases.append(("token 2^31", try tokens.serialized()))
        for (label, data) in cases {
            #expect(exercise(data, runs: true, label: label) == .refused, "\(label)")
        }
    }
}
