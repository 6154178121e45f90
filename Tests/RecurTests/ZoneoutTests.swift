import Recur
import RecurCPU
import Testing

/// Zoneout beyond the fixtures and the conformance suite: evaluation's expectation, fresh masks per
/// training call, and the rules of the descriptor.
@Suite struct Zoneout {
    let backend = CPUBackend(threads: 1)

    /// One step from h0 and c0: in evaluation h1 = p * h0 + (1 - p) * h~ and c1 likewise, h~ and c~
    /// being the plain layer's step from the same state.
    @Test(arguments: [CellMode.lstm, .gru])
    func evaluationTakesTheExpectation(_ mode: CellMode) throws {
        let p: Float = 0.3
        let zoned = try RecurrentLayer(RNNDescriptor(mode: mode, inputSize: 3, hiddenSize: 5, zoneout: p), backend: backend, seed: 4)
        let plain = try RecurrentLayer(RNNDescriptor(mode: mode, inputSize: 3, hiddenSize: 5), backend: backend, seed: 4)
        let x = try backend.tensor((0..<6).map { Float($0) * 0.3 - 0.8 }, shape: [1, 2, 3])
        let h0Values = (0..<10).map { Float($0) * 0.1 - 0.45 }, c0Values = (0..<10).map { Float($0) * -0.07 + 0.3 }
        let h0 = try backend.tensor(h0Values, shape: [1, 2, 5])
        let c0 = mode == .lstm ? try backend.tensor(c0Values, shape: [1, 2, 5]) : nil
        let z = try zoned.forward(x, h0: h0, c0: c0, training: false)
        let n = try plain.forward(x, h0: h0, c0: c0, training: false)
        let expected = zip(h0Values, try backend.array(n.hN)).map { p * $0 + (1 - p) * $1 }
        for (got, want) in zip(try backend.array(z.hN), expected) { #expect(abs(got - want) < 1e-6) }
        #expect(try backend.array(z.output) == backend.array(z.hN))
        if let zc = z.cN, let nc = n.cN {
            let expectedC = zip(c0Values, try backend.array(nc)).map { p * $0 + (1 - p) * $1 }
            for (got, want) in zip(try backend.array(zc), expectedC) { #expect(abs(got - want) < 1e-6) }
        }
    }

    /// Training draws a fresh mask each call that names no seed (as dropout does), and the same
    /// one for the same seed; some units hold and some update.
    @Test func trainingMasksAreFreshEachCallAndFixedBySeed() throws {
        let layer = try RecurrentLayer(RNNDescriptor(mode: .gru, inputSize: 2, hiddenSize: 16, zoneout: 0.5), backend: backend)
        let x = try backend.tensor((0..<(6 * 4 * 2)).map { Float($0 % 7) * 0.2 - 0.6 }, shape: [6, 4, 2])
        func output(_ seed: UInt32?) throws -> [Float] { try backend.array(layer.forward(x, dropoutSeed: seed).output) }
        #expect(try output(nil) != output(nil))
        #expect(try output(9) == output(9))
        #expect(try output(9) != output(10))
        // With h0 = 0, a unit that held at step 0 is still exactly 0 there.
        let first = try output(9).prefix(4 * 16)
        let held = first.filter { $0 == 0 }.count
        #expect(held > 8 && held < 56, "\(held) of 64 units held at step 0 with p = 0.5")
    }

    @Test func theDescriptorRefusesWhatItDoesNotDefine() throws {
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .rnnTanh, inputSize: 2, hiddenSize: 4, zoneout: 0.1) }
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 2, hiddenSize: 4, zoneout: 1) }
        #expect(throws: RecurError.self) { try RNNDescriptor(mode: .lstm, inputSize: 2, hiddenSize: 4, zoneout: -0.1) }
        #expect(throws: RecurError.self) {
            try RNNDescriptor(mode: .lstm, inputSize: 2, hiddenSize: 4, projectionSize: 2, zoneout: 0.1)
        }
    }
}
