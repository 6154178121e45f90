import Foundation
import Recur
import RecurCPU
import Testing

/// Dropout as PyTorch does it: a fresh mask for each training call that names no seed, from a
/// generator whose state checkpoints keep, so that a resumed run draws what the first would have.
@Suite struct DropoutDraws {
    let backend = CPUBackend()

    func model(seed: UInt64 = 5) throws -> RecurrentModel {
        var configuration = ModelConfiguration.languageModel(vocabularySize: 9, embeddingSize: 4, mode: .gru, hiddenSize: 6,
                                                             numLayers: 3)
        configuration.dropout = 0.5
        return try RecurrentModel(configuration, backend: backend, seed: seed)
    }

    func predictions(_ model: RecurrentModel, training: Bool = true, seed: UInt32? = nil) throws -> [Float] {
        let tokens = try backend.indices((0..<12).map { Int32($0 % 9) }, shape: [4, 3], limit: 9)
        let p = try model.forwardSequence(.tokens(tokens), training: training, dropoutSeed: seed).predictions
        return try backend.array(p)
    }

    @Test func eachTrainingCallWithoutASeedDrawsAFreshMask() throws {
        let model = try model()
        let first = try predictions(model), second = try predictions(model)
        #expect(first != second, "two training calls drew the same dropout mask")
        // A named seed still repeats, and evaluation mode draws nothing.
        #expect(try predictions(model, seed: 42) == predictions(model, seed: 42))
        let state = model.rnn.dropoutGenerator.state
        #expect(try predictions(model, training: false) == predictions(model, training: false))
        #expect(model.rnn.dropoutGenerator.state == state, "an evaluation forward advanced the dropout generator")
    }

    @Test func aCheckpointResumesTheDropoutDraws() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recur-dropout-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let original = try model()
        _ = try predictions(original)
        try Checkpoint.save(model: original, optimizer: nil, to: url)
        let expected = try predictions(original)

        let resumed = try model(seed: 99)   // another seed: only the checkpoint can make it draw the same
        try Checkpoint.load(from: url, into: resumed)
        #expect(try predictions(resumed) == expected)
    }

    @Test func aDamagedDropoutStateIsATypedErrorAndChangesNothing() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recur-dropout-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model: try model(), optimizer: nil, to: url)
        var file = try SafeTensors(contentsOf: url)
        file.metadata["dropout_generator"] = "-1"
        try file.write(to: url)
        let target = try model(seed: 7)
        let before = try target.parameter("rnn.weight_hh_l0")
        #expect(throws: RecurError.self) { try Checkpoint.load(from: url, into: target) }
        #expect(try target.parameter("rnn.weight_hh_l0") == before)
    }
}
