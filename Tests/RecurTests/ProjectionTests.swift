import Foundation
import Recur
import RecurCPU
import RecurTestSupport
import Testing

/// The LSTM's projection (PyTorch's proj_size) beyond the layer fixtures and the conformance suite:
/// its rules, PyTorch checkpoints, Recur's own checkpoints, and the carried state's two widths.
@Suite struct Projection {
    let backend = CPUBackend(threads: 1)

    func projectedCharModel(projection: Int = 4) throws -> RecurrentModel {
        try RecurrentModel(.languageModel(vocabularySize: 11, embeddingSize: 6, mode: .lstm, hiddenSize: 10, numLayers: 2,
                                          projectionSize: projection),
                           backend: backend, seed: 3)
    }

    func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("recur-proj-\(UUID().uuidString).safetensors")
    }

    @Test func aPyTorchLSTMPCheckpointLoadsAndGivesPyTorchsLogits() throws {
        let model = try projectedCharModel()
        #expect(model.head.inputSize == 4)
        try Checkpoint.load(from: try FixtureFiles.interchange("pytorch_lstmp_charmodel.safetensors"), into: model)
        let check = try SafeTensors(contentsOf: try FixtureFiles.interchange("pytorch_lstmp_charmodel_check.safetensors"))
        let tokens = try check.int64s("tokens").map { Int32($0) }
        let forward = try model.forwardSequence(.tokens(try backend.indices(tokens, shape: [5, 3], limit: 11)), training: false)
        #expect(forward.state.h.shape == [2, 3, 4] && forward.state.c?.shape == [2, 3, 10])
        let logits = try backend.array(forward.predictions)
        let expected = try check.floats("logits")
        #expect(logits.count == expected.count)
        for (got, want) in zip(logits, expected) {
            #expect(abs(got - want) <= 1e-5 + 1e-4 * abs(want), "logit \(got) vs PyTorch's \(want)")
        }
    }

    @Test func anLSTMPCheckpointIntoAModelWithoutAProjectionSaysWhichSizeToBuild() throws {
        let model = try RecurrentModel(.languageModel(vocabularySize: 11, embeddingSize: 6, mode: .lstm, hiddenSize: 10, numLayers: 2),
                                       backend: backend)
        let before = try model.parameter("rnn.weight_hh_l0")
        let error = #expect(throws: RecurError.self) {
            try Checkpoint.load(from: try FixtureFiles.interchange("pytorch_lstmp_charmodel.safetensors"), into: model)
        }
        let message = error?.description ?? ""
        #expect(message.contains("rnn.weight_hr_l0") && message.contains("projectionSize 4"), "\(message)")
        #expect(try model.parameter("rnn.weight_hh_l0") == before)
    }

    @Test func aSavedProjectedModelReloadsExactlyAndRefusesAnotherProjection() throws {
        let model = try projectedCharModel()
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model: model, optimizer: nil, to: url)
        let file = try SafeTensors(contentsOf: url)
        #expect(try file.entry("rnn.weight_hr_l1").shape == [4, 10])
        #expect(try file.entry("rnn.weight_hh_l1").shape == [40, 4])
        #expect(try file.entry("rnn.weight_ih_l1").shape == [40, 4])

        let reloaded = try projectedCharModel()
        // Something to overwrite, so that a projection the load skipped would show.
        try reloaded.rnn.setParameter("weight_hr_l0", [Float](repeating: 0, count: 40))
        try Checkpoint.load(from: url, into: reloaded)
        for (name, _) in model.parameterNames {
            #expect(try reloaded.parameter(name) == model.parameter(name), "\(name)")
        }
        let other = try projectedCharModel(projection: 3)
        #expect(throws: RecurError.self) { try Checkpoint.load(from: url, into: other) }
    }

    @Test func theDescriptorKeepsPyTorchsRules() throws {
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .gru, inputSize: 3, hiddenSize: 8, projectionSize: 2) }
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 8, projectionSize: 8) }
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 8, projectionSize: -1) }
        let d = try RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, projectionSize: 5)
        #expect(d.stateSize == 5 && d.outputSize == 10 && d.inputSize(ofLayer: 1) == 10)
        #expect(d.parameterLayout.entries.map(\.name).prefix(5)
            == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"])
    }

    @Test func descriptorsRoundTripAndOldOnesDecodeWithoutAProjection() throws {
        let d = try RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 8, projectionSize: 5)
        #expect(try JSONDecoder().decode(RNNDescriptor.self, from: JSONEncoder().encode(d)) == d)
        let old = #"{"mode":"LSTM","inputSize":3,"hiddenSize":8,"numLayers":1,"bidirectional":false,"bias":true,"batchFirst":false,"dropout":0}"#
        let decoded = try JSONDecoder().decode(RNNDescriptor.self, from: Data(old.utf8))
        #expect(decoded.projectionSize == 0 && decoded.stateSize == 8)
        let plain = try RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 8)
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("projectionSize"))
    }

    /// h is P wide and c H wide: resetting a stream zeroes that stream's rows of each at its own width
    /// (a reset at h's width left most of c's row, and zeroed part of the next stream's).
    @Test func resettingAStreamZeroesItsRowsOfBothStateWidths() throws {
        let h = try backend.tensor((0..<(2 * 3 * 2)).map { Float($0 + 1) }, shape: [2, 3, 2])
        let c = try backend.tensor((0..<(2 * 3 * 5)).map { Float($0 + 1) }, shape: [2, 3, 5])
        try RecurrentState(h: h, c: c).reset(streams: [1], backend: backend)
        let hValues = try backend.array(h), cValues = try backend.array(c)
        for row in 0..<2 {
            for stream in 0..<3 {
                let hRow = hValues[((row * 3 + stream) * 2)..<((row * 3 + stream + 1) * 2)]
                let cRow = cValues[((row * 3 + stream) * 5)..<((row * 3 + stream + 1) * 5)]
                #expect(hRow.allSatisfy { ($0 == 0) == (stream == 1) }, "h row \(row) stream \(stream): \(Array(hRow))")
                #expect(cRow.allSatisfy { ($0 == 0) == (stream == 1) }, "c row \(row) stream \(stream): \(Array(cRow))")
            }
        }
    }
}
