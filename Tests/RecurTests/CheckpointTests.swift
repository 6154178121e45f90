import Foundation
import Recur
import RecurCPU
import RecurTestSupport
import Testing

/// Checkpoints: PyTorch interchange, resume, and every way a checkpoint can be wrong.
@Suite struct Checkpoints {
    let backend = CPUBackend(threads: 1)

    func temporaryURL(_ name: String = "checkpoint.safetensors") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recur-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name)
    }

    func charModel(_ mode: CellMode = .lstm, hidden: Int = 10, layers: Int = 2) throws -> RecurrentModel {
        try RecurrentModel(.languageModel(vocabularySize: 11, embeddingSize: 6, mode: mode, hiddenSize: hidden, numLayers: layers),
                           backend: backend, seed: 3)
    }

    @Test func aPyTorchCheckpointLoadsAndGivesPyTorchsLogits() throws {
        let model = try charModel()
        try Checkpoint.load(from: try FixtureFiles.interchange("pytorch_lstm_charmodel.safetensors"), into: model)
        let check = try SafeTensors(contentsOf: try FixtureFiles.interchange("pytorch_lstm_charmodel_check.safetensors"))
        let tokens = try check.int64s("tokens").map { Int32($0) }
        let forward = try model.forwardSequence(
            .tokens(try backend.indices(tokens, shape: [5, 3], limit: 11)), training: false)
        let logits = try backend.download(forward.predictions.buffer, offset: 0, count: 5 * 3 * 11)
        let expected = try check.floats("logits")
        for (got, want) in zip(logits, expected) {
            #expect(abs(got - want) <= 1e-5 + 1e-4 * abs(want), "logit \(got) vs PyTorch's \(want)")
        }
    }

    /// Every optimizer's state: moments, momentum buffers, RMSprop's averages, Adagrad's sum (which
    /// starts from its initial value, not zero, so a state left unsaved would show).
    static let resumedOptimizers: [Optimizer.Configuration] = [
        .adam(learningRate: 0.01), .sgd(learningRate: 0.1, momentum: 0.9),
        .rmsprop(learningRate: 0.005, momentum: 0.5, centered: true, weightDecay: 0.01),
        .adagrad(learningRate: 0.05, learningRateDecay: 0.1, initialAccumulatorValue: 0.2),
    ]

    @Test(arguments: resumedOptimizers)
    func resumingGivesTheSameLossesAsTheUninterruptedRun(_ configuration: Optimizer.Configuration) throws {
        let tokens: [Int32] = (0..<400).map { Int32(($0 * 7 + $0 / 13) % 11) }
        func run(steps: Range<Int>, model: RecurrentModel, trainer: SequenceTrainer, stream: inout TruncatedBPTT,
                 state: inout RecurrentState?) throws -> [Float] {
            var losses: [Float] = []
            for _ in steps {
                let chunk = stream.next()
                try state?.reset(streams: chunk.resetStreams, backend: backend)
                let step = try trainer.stepClassifyingEachStep(
                    .tokens(try backend.indices(chunk.inputs, shape: [8, 4], limit: 11)), targets: chunk.targets, state: state)
                state = step.state
                losses.append(try step.loss.value())
            }
            return losses
        }
        let straight = try charModel()
        let straightTrainer = SequenceTrainer(model: straight, optimizer: try Optimizer(configuration), clipNorm: 1)
        var stream = try TruncatedBPTT(documents: [tokens], batch: 4, chunkLength: 8)
        var state: RecurrentState?
        let expected = try run(steps: 0..<6, model: straight, trainer: straightTrainer, stream: &stream, state: &state)

        let first = try charModel()
        let firstTrainer = SequenceTrainer(model: first, optimizer: try Optimizer(configuration), clipNorm: 1)
        var firstStream = try TruncatedBPTT(documents: [tokens], batch: 4, chunkLength: 8)
        var firstState: RecurrentState?
        var losses = try run(steps: 0..<3, model: first, trainer: firstTrainer, stream: &firstStream, state: &firstState)
        let url = try temporaryURL()
        try Checkpoint.save(model: first, optimizer: firstTrainer.optimizer, to: url)

        let resumed = try charModel()
        let resumedOptimizer = try Optimizer(configuration)
        let contents = try Checkpoint.load(from: url, into: resumed, optimizer: resumedOptimizer)
        #expect(contents.step == 3)
        #expect(resumedOptimizer.step == 3)
        let resumedTrainer = SequenceTrainer(model: resumed, optimizer: resumedOptimizer, clipNorm: 1)
        // The data position and the carried state are the caller's: continue the same stream.
        losses += try run(steps: 3..<6, model: resumed, trainer: resumedTrainer, stream: &firstStream, state: &firstState)
        #expect(losses == expected)
    }

    @Test func aModelConfigurationWrittenBeforeBiasDecodesWithBiases() throws {
        let json = #"{"bidirectional":false,"dropout":0,"hiddenSize":10,"inputSize":6,"mode":"LSTM","numLayers":2,"#
            + #""outputSize":11,"vocabularySize":11}"#
        let decoded = try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
        #expect(decoded == .languageModel(vocabularySize: 11, embeddingSize: 6, mode: .lstm, hiddenSize: 10, numLayers: 2))
        #expect(decoded.bias)
        var withoutBias = decoded
        withoutBias.bias = false
        let model = try RecurrentModel(withoutBias, backend: backend)
        #expect(!model.parameterNames.contains { $0.name.hasPrefix("rnn.bias") })
        #expect(model.parameterNames.contains { $0.name == "head.bias" })
    }

    @Test func anOptimizerConfigurationWrittenBeforeRMSpropDecodesWithPyTorchsDefaults() throws {
        // The JSON a checkpoint held before RMSprop and Adagrad had settings of their own.
        let json = #"{"beta1":0.9,"beta2":0.999,"dampening":0,"epsilon":1e-08,"kind":"adam","learningRate":0.01,"#
            + #""momentum":0,"nesterov":false,"weightDecay":0}"#
        let decoded = try JSONDecoder().decode(Optimizer.Configuration.self, from: Data(json.utf8))
        #expect(decoded == .adam(learningRate: 0.01))
        let adagrad = try JSONDecoder().decode(Optimizer.Configuration.self, from: Data(#"{"kind":"adagrad","learningRate":0.1}"#.utf8))
        #expect(adagrad == .adagrad(learningRate: 0.1))
        #expect(adagrad.epsilon == 1e-10)
    }

    @Test func aCheckpointOfAnotherCellOrShapeIsRefused() throws {
        let url = try temporaryURL()
        try Checkpoint.save(model: try charModel(.gru), optimizer: nil, to: url)
        let error = #expect(throws: RecurError.self) { try Checkpoint.load(from: url, into: try charModel(.lstm)) }
        #expect(error?.description.contains("GRU") == true)
        #expect(error?.description.contains("LSTM") == true)

        // Without the model metadata (a PyTorch state_dict), the shapes still catch it.
        var file = try SafeTensors(contentsOf: url)
        file.metadata = [:]
        try file.write(to: url)
        #expect(throws: RecurError.shapeMismatch(tensor: "checkpoint's rnn.weight_ih_l0", actual: [30, 6], expected: [40, 6])) {
            try Checkpoint.load(from: url, into: try charModel(.lstm))
        }
    }

    @Test func aCorruptCheckpointIsATypedError() throws {
        let url = try temporaryURL()
        try Checkpoint.save(model: try charModel(), optimizer: nil, to: url)
        var bytes = try Data(contentsOf: url)
        bytes.removeLast(100)
        try bytes.write(to: url)
        #expect(throws: SafeTensorsError.self) { try Checkpoint.load(from: url, into: try charModel()) }
        #expect(throws: SafeTensorsError.self) {
            try Checkpoint.load(from: url.deletingLastPathComponent().appendingPathComponent("missing.safetensors"),
                                into: try charModel())
        }
    }

    @Test func aCheckpointMissingAParameterSaysWhich() throws {
        let url = try temporaryURL()
        try Checkpoint.save(model: try charModel(), optimizer: nil, to: url)
        var file = try SafeTensors(contentsOf: url)
        file.remove("head.bias")
        try file.write(to: url)
        let error = #expect(throws: RecurError.self) { try Checkpoint.load(from: url, into: try charModel()) }
        #expect(error?.description.contains("head.bias") == true)
    }

    @Test func savingKeepsNoTemporaryFilesAndReplacesAtomically() throws {
        let url = try temporaryURL()
        let model = try charModel()
        try Checkpoint.save(model: model, optimizer: nil, to: url)
        try Checkpoint.save(model: model, optimizer: try Optimizer(.sgd(learningRate: 0.1, momentum: 0.9)), to: url)
        let files = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(files == ["checkpoint.safetensors"])
        let file = try SafeTensors(contentsOf: url)
        #expect(file.contains("optimizer.head.weight.momentum_buffer"))
        #expect(file.contains("embedding.weight") && file.contains("rnn.weight_hh_l1") && file.contains("head.bias"))
    }

    /// The same state gives the same bytes in any process: the model's and the optimizer's JSON in
    /// the metadata have sorted keys (a process's dictionary order would otherwise decide them).
    @Test func theMetadataJSONHasSortedKeys() throws {
        let url = try temporaryURL()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Checkpoint.save(model: try charModel(), optimizer: try Optimizer(.adam(learningRate: 0.01)), to: url)
        let metadata = try SafeTensors(contentsOf: url).metadata
        for key in ["model", "optimizer"] {
            let json = try #require(metadata[key])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(object.count >= 8, "\(key): \(json)")
            // Where each key appears in the text: in sorted order, the positions rise.
            let positions = try object.keys.sorted().map { name in
                try #require(json.range(of: "\"\(name)\":")?.lowerBound, "\(name) in \(json)")
            }
            #expect(positions == positions.sorted(), "\(key)'s keys are not sorted: \(json)")
        }
    }

    /// Two writes of one state are the same bytes, and the file is what `serialized()` gives.
    @Test func writingTheSameStateTwiceGivesTheSameBytes() throws {
        let first = try temporaryURL(), second = try temporaryURL()
        defer {
            try? FileManager.default.removeItem(at: first.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: second.deletingLastPathComponent())
        }
        let model = try charModel(), optimizer = try Optimizer(.adam(learningRate: 0.01))
        try Checkpoint.save(model: model, optimizer: optimizer, metadata: ["b": "2", "a": "1"], to: first)
        try Checkpoint.save(model: model, optimizer: optimizer, metadata: ["a": "1", "b": "2"], to: second)
        #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        #expect(try Data(contentsOf: first) == SafeTensors(contentsOf: first).serialized())
    }
}
