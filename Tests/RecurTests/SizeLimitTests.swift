import Foundation
import Recur
import RecurCPU
import Testing

/// Sizes beyond `Limits`, and products of sizes that overflow, are typed errors: never a trap.
@Suite struct SizeLimits {
    @Test func descriptorsRefuseSizesBeyondTheLimits() {
        for (input, hidden, layers) in [(8, 1 << 31, 1), (1 << 62, 8, 1), (8, 8, 1 << 40), (8, Int.max, 1), (Int.max, Int.max, Int.max)] {
            #expect(throws: RecurError.self, "\(input) \(hidden) \(layers)") {
                try RNNDescriptor(mode: .lstm, inputSize: input, hiddenSize: hidden, numLayers: layers)
            }
        }
        #expect(throws: RecurError.limitExceeded(what: "hidden size", value: 1 << 31, limit: Limits.maxHiddenSize)) {
            try RNNDescriptor(mode: .lstm, inputSize: 8, hiddenSize: 1 << 31)
        }
        // At the limits the layout is made (sizes, not memory: nothing is allocated).
        let largest = try? RNNDescriptor(mode: .lstm, inputSize: Limits.maxInputSize, hiddenSize: Limits.maxHiddenSize,
                                         numLayers: Limits.maxLayers, bidirectional: true)
        #expect(largest?.parameterLayout.entries.count == Limits.maxLayers * 2 * 4)
    }

    @Test func decodingADescriptorChecksIt() throws {
        let json = #"{"mode":"LSTM","inputSize":8,"hiddenSize":2147483648,"numLayers":1,"bidirectional":false,"bias":true,"batchFirst":false,"dropout":0}"#
        #expect(throws: RecurError.self) { try JSONDecoder().decode(RNNDescriptor.self, from: Data(json.utf8)) }
        let good = try RNNDescriptor(mode: .gru, inputSize: 3, hiddenSize: 5)
        #expect(try JSONDecoder().decode(RNNDescriptor.self, from: JSONEncoder().encode(good)) == good)
    }

    @Test func parameterLayoutsCheckTheirProducts() {
        #expect(throws: RecurError.sizeOverflow(what: "the size of parameter w", values: [1 << 40, 1 << 40])) {
            try ParameterLayout(shapes: [("w", [1 << 40, 1 << 40])])
        }
        #expect(throws: RecurError.self) { try ParameterLayout(shapes: [("a", [Int.max - 3]), ("b", [64])]) }
        #expect(throws: RecurError.self) { try ParameterLayout(shapes: [("a", [-1, 4])]) }
    }

    @Test func memoryBeyondTheBudgetIsRefusedWithTheAmounts() throws {
        let model = ModelConfiguration.languageModel(vocabularySize: 65, embeddingSize: 64, mode: .lstm,
                                                     hiddenSize: 60_000, numLayers: 2)
        let bytes = try model.memoryEstimate(batch: 1, steps: 1, training: false)
        #expect(bytes > 100_000_000_000)
        do {
            try Limits.checkMemory(bytes, for: "the model", budget: Limits.maxMemoryBytes)
            Issue.record("accepted")
        } catch let error as RecurError {
            #expect(error.description.contains("GB"))
            #expect(error.description.contains("\(bytes) bytes"))
            #expect(error.description.contains("\(Limits.maxMemoryBytes) bytes"))
        }
        let small = ModelConfiguration.languageModel(vocabularySize: 65, embeddingSize: 8, mode: .gru, hiddenSize: 16, numLayers: 1)
        #expect(try small.memoryEstimate(batch: 4, steps: 10, training: true) < 1_000_000)
        #expect(throws: RecurError.self) { try small.memoryEstimate(batch: 1 << 40, steps: 1 << 40, training: true) }
    }

    @Test func parameterShapesMatchTheModel() throws {
        let configuration = ModelConfiguration.languageModel(vocabularySize: 11, embeddingSize: 6, mode: .lstm, hiddenSize: 10, numLayers: 2)
        let model = try RecurrentModel(configuration, backend: CPUBackend(threads: 1))
        let shapes = try configuration.parameterShapes()
        #expect(shapes.map(\.name) == model.parameterNames.map(\.name))
        #expect(shapes.map(\.shape) == model.parameterNames.map(\.shape))
    }
}
