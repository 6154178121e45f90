import Foundation
import Recur
import RecurCPU
import RecurFixtures
import RecurTestSupport
import Testing

/// LSTM projection (PyTorch's proj_size) does not exist in Recur yet: a checkpoint or fixture that
/// uses one says so, instead of blaming a shape that follows from it.
@Suite struct ProjectionNotYet {
    @Test func aPyTorchStateDictWithAProjectionIsRefusedByName() throws {
        var file = try SafeTensors(contentsOf: try FixtureFiles.interchange("pytorch_lstm_charmodel.safetensors"))
        try file.set("rnn.weight_hr_l0", floats: [Float](repeating: 0.1, count: 3 * 10), shape: [3, 10])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recur-proj-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        let model = try RecurrentModel(.languageModel(vocabularySize: 11, embeddingSize: 6, mode: .lstm, hiddenSize: 10, numLayers: 2),
                                       backend: CPUBackend())
        let before = try model.parameter("rnn.weight_hh_l0")
        let error = #expect(throws: RecurError.self) { try Checkpoint.load(from: url, into: model) }
        #expect(error?.description.contains("projection") == true && error?.description.contains("rnn.weight_hr_l0") == true,
                "\(String(describing: error))")
        #expect(try model.parameter("rnn.weight_hh_l0") == before)
    }

    @Test func aLayerFixtureWithAProjectionIsRefusedByName() throws {
        var file = SafeTensors()
        file.metadata = ["kind": "layer", "mode": "LSTM", "input_size": "5", "hidden_size": "8", "proj_size": "3",
                         "num_layers": "1", "bidirectional": "false", "bias": "true", "batch_first": "false",
                         "seq_len": "6", "batch": "4"]
        let error = #expect(throws: RecurError.self) { try LayerFixture(file) }
        #expect(error?.description.contains("proj_size 3") == true, "\(String(describing: error))")
    }
}
