import Recur

/// A random configuration for the conformance suite: a descriptor, a sequence shape, optional
/// lengths, and a seed that fixes parameters, inputs, initial states and upstream gradients.
public struct RandomCase: CustomStringConvertible, Sendable {
    public let descriptor: RNNDescriptor
    public let steps: Int
    public let batch: Int
    public let variableLengths: Bool
    public let seed: UInt64

    public init(_ descriptor: RNNDescriptor, steps: Int, batch: Int, variableLengths: Bool = false, seed: UInt64) {
        self.descriptor = descriptor; self.steps = steps; self.batch = batch
        self.variableLengths = variableLengths; self.seed = seed
    }

    public var description: String {
        let d = descriptor
        var parts = ["\(d.mode.rawValue) I=\(d.inputSize) H=\(d.hiddenSize) L=\(d.numLayers) T=\(steps) B=\(batch)"]
        if d.hasProjection { parts.append("P=\(d.projectionSize)") }
        if d.layerNorm { parts.append("layer-norm") }
        if d.zoneout > 0 { parts.append("zoneout=\(d.zoneout)") }
        if d.cellClip > 0 { parts.append("cell-clip=\(d.cellClip)") }
        if d.bidirectional { parts.append("bi") }
        if !d.bias { parts.append("no-bias") }
        if d.batchFirst { parts.append("batch-first") }
        if variableLengths { parts.append("lengths") }
        return parts.joined(separator: " ")
    }

    /// Lengths in 1...T, unsorted, one sequence at full length.
    public var lengths: [Int]? {
        guard variableLengths else { return nil }
        var generator = SeededGenerator(seed: seed &+ 17)
        var lengths = (0..<batch).map { _ in Int.random(in: 1...steps, using: &generator) }
        lengths[Int.random(in: 0..<batch, using: &generator)] = steps
        return lengths
    }
}

/// One row of a table of configurations run for every cell (`ConformanceCases.everyCell`).
public struct CaseShape: Sendable {
    public let input, hidden, layers: Int
    public let bidirectional, bias: Bool
    public let steps, batch: Int
    public let lengths: Bool

    public init(input: Int, hidden: Int, layers: Int = 1, bidirectional: Bool = false, bias: Bool = true,
                steps: Int, batch: Int, lengths: Bool = false) {
        self.input = input; self.hidden = hidden; self.layers = layers; self.bidirectional = bidirectional
        self.bias = bias; self.steps = steps; self.batch = batch; self.lengths = lengths
    }
}

/// The configurations every backend must get right.
public enum ConformanceCases {
    /// Every shape for every cell (time-major), seeds counting up from `seed`: the tables of the
    /// tests that force one of a backend's time loops.
    public static func everyCell(_ shapes: [CaseShape], seed: UInt64) -> [RandomCase] {
        var cases: [RandomCase] = []
        var seed = seed
        for mode in CellMode.allCases {
            for s in shapes {
                let d = try! RNNDescriptor(mode: mode, inputSize: s.input, hiddenSize: s.hidden, numLayers: s.layers,
                                           bidirectional: s.bidirectional, bias: s.bias, batchFirst: false)
                cases.append(RandomCase(d, steps: s.steps, batch: s.batch, variableLengths: s.lengths, seed: seed))
                seed += 1
            }
        }
        return cases
    }

    /// Configurations no fixture covers, compared against the CPU reference: odd sizes, long
    /// sequences, batch 1, 3 layers, bidirectional, lengths, no bias, batch-first, for every cell.
    public static let agreement: [RandomCase] = {
        var cases: [RandomCase] = []
        var seed: UInt64 = 1
        func add(_ mode: CellMode, _ i: Int, _ h: Int, layers: Int = 1, bi: Bool = false, bias: Bool = true,
                 batchFirst: Bool = false, steps: Int, batch: Int, lengths: Bool = false) {
            let d = try! RNNDescriptor(mode: mode, inputSize: i, hiddenSize: h, numLayers: layers,
                                       bidirectional: bi, bias: bias, batchFirst: batchFirst)
            cases.append(RandomCase(d, steps: steps, batch: batch, variableLengths: lengths, seed: seed))
            seed += 1
        }
        for mode in CellMode.allCases {
            add(mode, 13, 37, steps: 7, batch: 5)
            add(mode, 9, 17, steps: 200, batch: 3, lengths: true)
            add(mode, 16, 33, steps: 12, batch: 1)
            add(mode, 5, 11, layers: 3, bi: true, steps: 6, batch: 4, lengths: true)
            add(mode, 7, 10, layers: 2, bias: false, batchFirst: true, steps: 9, batch: 3)
            add(mode, 64, 128, bi: true, batchFirst: true, steps: 10, batch: 8, lengths: true)
        }
        // The LSTM's projection (proj_size): P = 1, P = H - 1, stacks, directions, lengths, no bias.
        func projected(_ i: Int, _ h: Int, _ p: Int, layers: Int = 1, bi: Bool = false, bias: Bool = true,
                       batchFirst: Bool = false, steps: Int, batch: Int, lengths: Bool = false) {
            let d = try! RNNDescriptor(mode: .lstm, inputSize: i, hiddenSize: h, numLayers: layers, bidirectional: bi,
                                       bias: bias, batchFirst: batchFirst, projectionSize: p)
            cases.append(RandomCase(d, steps: steps, batch: batch, variableLengths: lengths, seed: seed))
            seed += 1
        }
        projected(13, 37, 11, steps: 7, batch: 5)
        projected(9, 17, 1, steps: 120, batch: 3, lengths: true)
        projected(5, 11, 10, layers: 3, bi: true, steps: 6, batch: 4, lengths: true)
        projected(7, 40, 16, layers: 2, bias: false, batchFirst: true, steps: 9, batch: 6, lengths: true)
        projected(64, 256, 64, bi: true, steps: 8, batch: 8)
        // The layer-normalised LSTM and GRU: odd sizes, stacks, directions, lengths, no bias, batch-first.
        for mode in [CellMode.lstm, .gru] {
            func normalized(_ i: Int, _ h: Int, layers: Int = 1, bi: Bool = false, bias: Bool = true,
                            batchFirst: Bool = false, steps: Int, batch: Int, lengths: Bool = false) {
                let d = try! RNNDescriptor(mode: mode, inputSize: i, hiddenSize: h, numLayers: layers, bidirectional: bi,
                                           bias: bias, batchFirst: batchFirst, layerNorm: true)
                cases.append(RandomCase(d, steps: steps, batch: batch, variableLengths: lengths, seed: seed))
                seed += 1
            }
            normalized(13, 37, steps: 7, batch: 5)
            normalized(9, 17, steps: 30, batch: 3, lengths: true)
            normalized(5, 11, layers: 3, bi: true, steps: 6, batch: 4, lengths: true)
            normalized(7, 40, layers: 2, bias: false, batchFirst: true, steps: 9, batch: 6, lengths: true)
            normalized(64, 256, bi: true, steps: 4, batch: 8)
            normalized(16, 33, steps: 12, batch: 1)
        }
        // Zoneout, plain and layer-normalised, with lengths and directions.
        for (mode, layerNorm) in [(CellMode.lstm, false), (.gru, false), (.lstm, true), (.gru, true)] {
            let d = try! RNNDescriptor(mode: mode, inputSize: 9, hiddenSize: 21, numLayers: 2, bidirectional: true,
                                       layerNorm: layerNorm, zoneout: 0.3)
            cases.append(RandomCase(d, steps: 11, batch: 4, variableLengths: true, seed: seed))
            seed += 1
        }
        // Cell clipping, alone and with zoneout.
        for zoneout: Float in [0, 0.25] {
            let d = try! RNNDescriptor(mode: .lstm, inputSize: 9, hiddenSize: 21, numLayers: 2, bidirectional: true,
                                       zoneout: zoneout, cellClip: 0.3)
            cases.append(RandomCase(d, steps: 11, batch: 4, variableLengths: true, seed: seed))
            seed += 1
        }
        return cases
    }()

    /// Sizes whose scratch rows the layer pads (row strides of 4 KiB): the LSTM's gate gradients
    /// at H = 256 (4H = 1024 floats), the Elman states and gate gradients at H = 1024; a GRU at
    /// H = 256 (3H = 768 floats, unpadded) beside them.
    public static let paddedRows: [RandomCase] = {
        var cases: [RandomCase] = []
        var seed: UInt64 = 300
        for (mode, hidden, bi) in [(CellMode.lstm, 256, true), (.rnnTanh, 1024, false), (.gru, 256, false)] {
            let d = try! RNNDescriptor(mode: mode, inputSize: 6, hiddenSize: hidden, numLayers: 2, bidirectional: bi)
            cases.append(RandomCase(d, steps: 5, batch: 13, variableLengths: true, seed: seed))
            seed += 1
        }
        return cases
    }()

    /// Small configurations for finite-difference checks: every mode x layers x direction x bias x lengths.
    public static let gradientCheck: [RandomCase] = {
        var cases: [RandomCase] = []
        var seed: UInt64 = 100
        for mode in CellMode.allCases {
            for layers in [1, 2] {
                for bi in [false, true] {
                    for bias in [true, false] {
                        for lengths in [false, true] {
                            let d = try! RNNDescriptor(mode: mode, inputSize: 3, hiddenSize: 4, numLayers: layers,
                                                       bidirectional: bi, bias: bias, batchFirst: lengths && bi)
                            cases.append(RandomCase(d, steps: 4, batch: 3, variableLengths: lengths, seed: seed))
                            seed += 1
                        }
                    }
                }
            }
        }
        // The layer-normalised LSTM and GRU: one and two layers, directions, lengths, no bias. Few
        // cases: every launch costs milliseconds on rusticl, whose CI step runs these too, and a
        // normalised stack has four parameter tensors more per layer direction to check.
        for mode in [CellMode.lstm, .gru] {
            for (layers, bi, bias, lengths) in [(1, true, false, true), (2, false, true, true)] {
                let d = try! RNNDescriptor(mode: mode, inputSize: 3, hiddenSize: 4, numLayers: layers, bidirectional: bi,
                                           bias: bias, batchFirst: lengths && bi, layerNorm: true)
                cases.append(RandomCase(d, steps: 4, batch: 3, variableLengths: lengths, seed: seed))
                seed += 1
            }
        }
        // Zoneout (masks fixed by the case's seed): LSTM and GRU, plain and layer-normalised.
        for (mode, layerNorm, bi, layers) in [(CellMode.lstm, false, false, 2), (.gru, false, true, 1), (.lstm, true, true, 1),
                                              (.gru, true, false, 1)] {
            let d = try! RNNDescriptor(mode: mode, inputSize: 3, hiddenSize: 4, numLayers: layers, bidirectional: bi,
                                       layerNorm: layerNorm, zoneout: 0.4)
            cases.append(RandomCase(d, steps: 4, batch: 3, variableLengths: true, seed: seed))
            seed += 1
        }
        // Cell clipping (kinks where c meets the clip: the one-sided differences cover them).
        for (layers, bi, zoneout) in [(1, true, Float(0)), (2, false, Float(0.4))] {
            let d = try! RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 4, numLayers: layers, bidirectional: bi,
                                       zoneout: zoneout, cellClip: 0.3)
            cases.append(RandomCase(d, steps: 4, batch: 3, variableLengths: layers > 1, seed: seed))
            seed += 1
        }
        // The projected LSTM (P = 2 of H = 4): one and two layers, directions, lengths, no bias.
        for (layers, bi, bias, lengths) in [(1, false, true, false), (1, true, false, true), (2, true, true, true),
                                            (2, false, true, true)] {
            let d = try! RNNDescriptor(mode: .lstm, inputSize: 3, hiddenSize: 4, numLayers: layers, bidirectional: bi,
                                       bias: bias, batchFirst: lengths && bi, projectionSize: 2)
            cases.append(RandomCase(d, steps: 4, batch: 3, variableLengths: lengths, seed: seed))
            seed += 1
        }
        return cases
    }()

    /// For the backward without the input's gradient: one and two layers (the second layer's dX must
    /// still reach the first), one and two directions, every cell, with lengths on the stacks.
    public static let withoutInputGradient: [RandomCase] = {
        var cases: [RandomCase] = []
        var seed: UInt64 = 300
        for mode in CellMode.allCases {
            for (layers, bi) in [(1, false), (2, true), (3, false)] {
                let d = try! RNNDescriptor(mode: mode, inputSize: 11, hiddenSize: 19, numLayers: layers,
                                           bidirectional: bi, batchFirst: bi)
                cases.append(RandomCase(d, steps: 9, batch: 4, variableLengths: layers > 1, seed: seed))
                seed += 1
            }
        }
        return cases
    }()
}
