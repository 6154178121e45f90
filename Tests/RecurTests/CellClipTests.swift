import Recur
import RecurCPU
import Testing

/// cuDNN's cell clipping beyond its fixtures and the conformance suite: c stays within the clip in
/// training and in inference (where the clip reads o from saved gates kept for it), and the rules.
@Suite struct CellClip {
    let backend = CPUBackend(threads: 1)

    @Test(arguments: [true, false])
    func theCellStateStaysWithinTheClip(_ training: Bool) throws {
        let clip: Float = 0.2
        let layer = try RecurrentLayer(RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 6, cellClip: clip), backend: backend,
                                       seed: 2)
        let plain = try RecurrentLayer(RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 6), backend: backend, seed: 2)
        let x = try backend.tensor((0..<(12 * 2 * 3)).map { Float($0 % 11) * 0.4 - 2 }, shape: [12, 2, 3])
        let clipped = try layer.forward(x, training: training), free = try plain.forward(x, training: training)
        let c = try backend.array(try #require(clipped.cN)), unclipped = try backend.array(try #require(free.cN))
        #expect(c.allSatisfy { abs($0) <= clip })
        #expect(unclipped.contains { abs($0) > clip }, "the case must clamp something to test anything")
    }

    @Test func theDescriptorRefusesWhatItDoesNotDefine() throws {
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .gru, inputSize: 2, hiddenSize: 4, cellClip: 1) }
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 2, hiddenSize: 4, cellClip: -1) }
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 2, hiddenSize: 4, layerNorm: true, cellClip: 1) }
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 2, hiddenSize: 4, projectionSize: 2, cellClip: 1) }
    }
}
