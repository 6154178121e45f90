import Foundation
import Recur
import RecurFixtures

/// A RandomCase's host data, and its forward and backward on a backend, every result on the host
/// under the fixture names (output, h_n, c_n, grad_input, grad_h0, grad_c0, grad.<parameter>).
struct CaseData {
    let testCase: RandomCase
    let parameters: [String: (shape: [Int], values: [Float])]
    let input: (shape: [Int], values: [Float])
    let h0: [Float]
    let c0: [Float]?
    let gradOutput: [Float]
    let gradHN: [Float]
    let gradCN: [Float]?

    init(_ testCase: RandomCase) {
        let d = testCase.descriptor
        self.testCase = testCase
        var generator = SeededGenerator(seed: testCase.seed)
        func normal(_ count: Int) -> [Float] {
            // Box-Muller: standard normal values, like torch.randn.
            (0..<count).map { _ in
                let u = max(generator.uniform(0, 1), 1e-7), v = generator.uniform(0, 1)
                return Float((-2 * log(Double(u))).squareRoot() * cos(2 * Double.pi * Double(v)))
            }
        }
        let bound = 1 / Float(d.hiddenSize).squareRoot()
        var parameters: [String: (shape: [Int], values: [Float])] = [:]
        for entry in d.parameterLayout.entries {
            // Normalisation gains near 1 (as trained ones are), so that a backend that ignored one would show.
            let center: Float = entry.name.hasPrefix("ln_") && entry.name.contains("weight") ? 1 : 0
            let spread: Float = entry.name.hasPrefix("ln_") ? 0.3 : bound
            parameters[entry.name] = (entry.shape, (0..<entry.count).map { _ in center + generator.uniform(-spread, spread) })
        }
        self.parameters = parameters
        let steps = testCase.steps, batch = testCase.batch
        let inputShape = d.batchFirst ? [batch, steps, d.inputSize] : [steps, batch, d.inputSize]
        input = (inputShape, normal(steps * batch * d.inputSize))
        // h is P wide with a projection; c is always H wide.
        let stateCount = d.stateCount * batch * d.stateSize, cellCount = d.stateCount * batch * d.hiddenSize
        h0 = normal(stateCount)
        c0 = d.mode.hasCellState ? normal(cellCount) : nil
        gradOutput = normal(steps * batch * d.outputSize)
        gradHN = normal(stateCount)
        gradCN = d.mode.hasCellState ? normal(cellCount) : nil
    }

    var stateShape: [Int] { [testCase.descriptor.stateCount, testCase.batch, testCase.descriptor.stateSize] }
    var cellShape: [Int] { [testCase.descriptor.stateCount, testCase.batch, testCase.descriptor.hiddenSize] }

    /// The training forward's seed for a case with zoneout, so that finite differences and the
    /// backward see the same masks; nil otherwise (evaluation forwards, no masks).
    var maskSeed: UInt32? { testCase.descriptor.zoneout > 0 ? UInt32(truncatingIfNeeded: testCase.seed &* 31 &+ 7) : nil }

    /// Forward only; `input` and `h0` may be replaced (finite differences perturb them). With
    /// zoneout it is a training forward with `maskSeed`'s masks (evaluation would average them).
    func loss(on backend: any Backend, parameters: [String: (shape: [Int], values: [Float])]? = nil,
              input: [Float]? = nil, h0: [Float]? = nil, c0: [Float]? = nil) throws -> Double {
        let layer = try RecurrentLayer(testCase.descriptor, backend: backend)
        try layer.loadParameters(parameters ?? self.parameters)
        let forward = try layer.forward(
            try backend.tensor(input ?? self.input.values, shape: self.input.shape),
            h0: try backend.tensor(h0 ?? self.h0, shape: stateShape),
            c0: try (c0 ?? self.c0).map { try backend.tensor($0, shape: cellShape) },
            lengths: testCase.lengths, training: maskSeed != nil, dropoutSeed: maskSeed)
        var loss = dot(try backend.array(forward.output), gradOutput) + dot(try backend.array(forward.hN), gradHN)
        if let cN = forward.cN, let gradCN { loss += dot(try backend.array(cN), gradCN) }
        return loss
    }

    /// Forward and backward; every result by fixture name (grad_input only with `inputGradient`;
    /// `paddedRows` false turns off the layer's padded scratch rows).
    func run(on backend: any Backend, inputGradient: Bool = true, paddedRows: Bool = true) throws -> [String: [Float]] {
        let layer = try RecurrentLayer(testCase.descriptor, backend: backend)
        layer.padsScratchRows = paddedRows
        try layer.loadParameters(parameters)
        return try LayerResults.run(layer, LayerResults.Inputs(
            input: input, h0: h0, c0: c0, lengths: testCase.lengths, gradOutput: gradOutput, gradHN: gradHN,
            gradCN: gradCN, inputGradient: inputGradient, seed: maskSeed))
    }
}

func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}
