import Foundation
import Recur
import RecurFixtures

/// One recurrent layer case of the self-test: a small stack with random parameters, inputs,
/// states and upstream gradients (fixed by the seed), run forward and backward.
struct SelfTestCase: Sendable, CustomStringConvertible {
    let descriptor: RNNDescriptor
    let steps: Int
    let batch: Int
    let variableLengths: Bool
    let seed: UInt64

    var description: String {
        "\(descriptor.mode.rawValue) H=\(descriptor.hiddenSize) T=\(steps) B=\(batch)"
            + (descriptor.bidirectional ? " bi" : "") + (variableLengths ? " lengths" : "")
    }

    /// Every result (output, h_n, c_n, every gradient) by fixture name, on `backend`.
    func results(on backend: any Backend) throws -> [String: [Float]] {
        let d = descriptor
        var generator = SeededGenerator(seed: seed)
        func uniform(_ count: Int, _ bound: Float) -> [Float] { (0..<count).map { _ in generator.uniform(-bound, bound) } }
        let layer = try RecurrentLayer(d, backend: backend)
        let bound = 1 / Float(d.hiddenSize).squareRoot()
        try layer.loadParameters(Dictionary(uniqueKeysWithValues: d.parameterLayout.entries.map {
            ($0.name, (shape: $0.shape, values: uniform($0.count, bound)))
        }))
        let states = d.stateCount * batch * d.hiddenSize
        let c0 = d.mode.hasCellState ? uniform(states, 1) : nil
        let inputs = LayerResults.Inputs(
            input: ([steps, batch, d.inputSize], uniform(steps * batch * d.inputSize, 1)),
            h0: uniform(states, 1), c0: c0, lengths: lengths(&generator),
            gradOutput: uniform(steps * batch * d.outputSize, 1), gradHN: uniform(states, 1),
            gradCN: c0 == nil ? nil : uniform(states, 1))
        return try LayerResults.run(layer, inputs)
    }

    /// Lengths in 1...T with one at T, or nil.
    private func lengths(_ generator: inout SeededGenerator) -> [Int]? {
        guard variableLengths else { return nil }
        var lengths = (0..<batch).map { _ in Int.random(in: 1...steps, using: &generator) }
        lengths[0] = steps
        return lengths
    }

    /// The cases a path runs: every cell on a short bidirectional layer with lengths (20 units: not
    /// a multiple of 8 or 16, so the vector kernels' tails run); the
    /// whole-sequence loop also a long LSTM (one work-item loops over 200 steps, past llvmpipe's
    /// silent stop); the row parts a batch of `rows` (two parts or more on the device); the unit
    /// parts batch 1 with 96 and 65 units (parts of whole panels).
    static func cases(for path: DevicePath, rows: Int) throws -> [SelfTestCase] {
        func stack(_ mode: CellMode, hidden: Int, steps: Int, batch: Int, bidirectional: Bool = true, seed: UInt64) throws -> SelfTestCase {
            SelfTestCase(descriptor: try RNNDescriptor(mode: mode, inputSize: 5, hiddenSize: hidden, numLayers: 1,
                                                       bidirectional: bidirectional),
                         steps: steps, batch: batch, variableLengths: batch > 1, seed: seed)
        }
        let cells: [CellMode] = [.rnnTanh, .lstm, .gru]
        switch path {
        case .tiledGEMM, .packedGEMM: return []
        case .fused, .perStep:
            return try cells.enumerated().map { try stack($1, hidden: 20, steps: 7, batch: 3, seed: 11 + UInt64($0)) }
        case .wholeSequence:
            return try cells.enumerated().map { try stack($1, hidden: 20, steps: 7, batch: 3, seed: 21 + UInt64($0)) }
                + [try stack(.lstm, hidden: 40, steps: 200, batch: 2, bidirectional: false, seed: 24)]
        case .rowParts:
            return try [CellMode.lstm, .gru].enumerated().map { try stack($1, hidden: 24, steps: 9, batch: rows, seed: 31 + UInt64($0)) }
        case .unitParts:
            // 96 units split in whole panels (48 + 48 on two compute units: three panels each, the
            // second part from an odd panel); 65 packs W_hh^T with each gate padded to 80 columns
            // (`UnitParts.gateStride`, pack_b_panels' gates), a path of its own.
            return try [(CellMode.lstm, 96), (.gru, 96), (.lstm, 65)].enumerated().map {
                try stack($1.0, hidden: $1.1, steps: 9, batch: 1, seed: 41 + UInt64($0))
            }
        }
    }
}
