import Foundation
import Recur
import RecurCPU
import RecurFixtures
import RecurTestSupport
import Testing

/// The conformance suite must be able to fail: a backend with a small error in one gate derivative
/// or in one forward gate is caught by the fixtures, the agreement check and the gradient check.
@Suite struct SuiteSensitivity {
    @Test func aWrongBackwardFailsTheFixturesAndTheGradientCheck() throws {
        let faulty = FaultyBackend(fault: .backward)
        let suite = ConformanceSuite(backend: faulty)
        let lstm = try #require(FixtureFiles.all.first { $0.lastPathComponent == "lstm_1l.safetensors" })
        let report = try suite.fixture(lstm)
        #expect(!report.passed)
        #expect(report.line.hasPrefix("FAIL"))
        let gradientCase = try #require(ConformanceCases.gradientCheck.first { $0.descriptor.mode == .lstm })
        #expect(!(try suite.gradientCheck(gradientCase).passed))
    }

    @Test func aWrongForwardFailsTheAgreementCheck() throws {
        let suite = ConformanceSuite(backend: FaultyBackend(fault: .forward))
        let testCase = try #require(ConformanceCases.agreement.first { $0.descriptor.mode == .gru })
        #expect(try suite.agreement(testCase).contains { !$0.passed })
    }
}

/// The CPU backend with one deliberate error: 10% too much in the gate gradients (finite differences
/// resolve about 2%), or 0.1% too much in h_t.
final class FaultyBackend: Backend {
    enum Fault { case forward, backward }
    let base: any Backend = CPUBackend(threads: 1)
    let fault: Fault
    init(fault: Fault) { self.fault = fault }

    var name: String { "faulty" }
    var deviceDescription: String { base.deviceDescription }
    var memory: MemoryGauge { base.memory }
    func makeBuffer(count: Int) throws -> any DeviceBuffer { try base.makeBuffer(count: count) }
    func owns(_ buffer: any DeviceBuffer) -> Bool { base.owns(buffer) }
    func upload(_ values: [Float], to buffer: any DeviceBuffer, offset: Int) throws {
        try base.upload(values, to: buffer, offset: offset)
    }
    func upload(_ values: [Int32], to buffer: any DeviceBuffer, offset: Int) throws {
        try base.upload(values, to: buffer, offset: offset)
    }
    func download(_ buffer: any DeviceBuffer, offset: Int, count: Int) throws -> [Float] {
        try base.download(buffer, offset: offset, count: count)
    }
    func synchronize() throws { try base.synchronize() }
    func makeHostStaging(count: Int) throws -> any HostStaging { try base.makeHostStaging(count: count) }
    func enqueueRead(_ buffer: any DeviceBuffer, offset: Int, count: Int, into staging: any HostStaging, at index: Int) throws {
        try base.enqueueRead(buffer, offset: offset, count: count, into: staging, at: index)
    }
    func enqueueWrite(from staging: any HostStaging, at index: Int, count: Int, to buffer: any DeviceBuffer, offset: Int) throws {
        try base.enqueueWrite(from: staging, at: index, count: count, to: buffer, offset: offset)
    }
    func fill(_ dst: Matrix, value: Float) throws { try base.fill(dst, value: value) }
    func copy(_ src: Matrix, to dst: Matrix) throws { try base.copy(src, to: dst) }
    func gemm(transA: Bool, transB: Bool, alpha: Float, _ a: Matrix, _ b: Matrix, beta: Float, _ c: Matrix) throws {
        try base.gemm(transA: transA, transB: transB, alpha: alpha, a, b, beta: beta, c)
    }
    func sumRows(_ src: Matrix, into dst: Matrix, accumulate: Bool) throws {
        try base.sumRows(src, into: dst, accumulate: accumulate)
    }
    func axpy(alpha: Float, _ x: Matrix, _ y: Matrix) throws { try base.axpy(alpha: alpha, x, y) }

    func gatherRows(_ table: Matrix, indices: any DeviceBuffer, into out: Matrix) throws {
        try base.gatherRows(table, indices: indices, into: out)
    }
    func scatterAddRows(_ src: Matrix, indices: any DeviceBuffer, into table: Matrix) throws {
        try base.scatterAddRows(src, indices: indices, into: table)
    }
    func addRowVector(_ vector: Matrix, to m: Matrix) throws { try base.addRowVector(vector, to: m) }
    func dropout(_ src: Matrix, into dst: Matrix, probability: Float, seed: UInt32) throws {
        try base.dropout(src, into: dst, probability: probability, seed: seed)
    }
    func softmaxCrossEntropy(_ logits: Matrix, targets: any DeviceBuffer, losses: Matrix, gradient: Matrix, scale: Float) throws {
        try base.softmaxCrossEntropy(logits, targets: targets, losses: losses, gradient: gradient, scale: scale)
    }
    func meanSquaredError(_ predictions: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix, scale: Float) throws {
        try base.meanSquaredError(predictions, targets: targets, losses: losses, gradient: gradient, scale: scale)
    }
    func sumOfSquares(_ x: Matrix, into dst: Matrix, accumulate: Bool) throws {
        try base.sumOfSquares(x, into: dst, accumulate: accumulate)
    }
    func scaleByClipFactor(_ x: Matrix, squaredNorm: Matrix, maxNorm: Float) throws {
        try base.scaleByClipFactor(x, squaredNorm: squaredNorm, maxNorm: maxNorm)
    }
    func clampElements(_ x: Matrix, limit: Float) throws { try base.clampElements(x, limit: limit) }
    func carryPastLength(_ previous: Matrix, into next: Matrix, lengths: any DeviceBuffer, time: Int) throws {
        try base.carryPastLength(previous, into: next, lengths: lengths, time: time)
    }
    func layerNorm(_ x: Matrix, gain: Matrix, epsilon: Float, normalized: Matrix, output: Matrix, inverseDeviation: Matrix) throws {
        try base.layerNorm(x, gain: gain, epsilon: epsilon, normalized: normalized, output: output, inverseDeviation: inverseDeviation)
    }
    func layerNormBackward(_ gradient: Matrix, normalized: Matrix, inverseDeviation: Matrix, gain: Matrix, into dx: Matrix) throws {
        try base.layerNormBackward(gradient, normalized: normalized, inverseDeviation: inverseDeviation, gain: gain, into: dx)
    }
    func sumRowsOfProducts(_ a: Matrix, _ b: Matrix, into dst: Matrix, accumulate: Bool) throws {
        try base.sumRowsOfProducts(a, b, into: dst, accumulate: accumulate)
    }
    func layerNormLSTMForward(_ step: LayerNormLSTMForwardStep) throws { try base.layerNormLSTMForward(step) }
    func clipCellState(_ cNext: Matrix, hNext: Matrix, output: Matrix, saved: Matrix, clip: Float, time: Int,
                       lengths: (any DeviceBuffer)?) throws {
        try base.clipCellState(cNext, hNext: hNext, output: output, saved: saved, clip: clip, time: time, lengths: lengths)
    }
    func clipCellStateBackward(_ saved: Matrix, dGates: Matrix, dcPrev: Matrix, clip: Float, time: Int,
                               lengths: (any DeviceBuffer)?) throws {
        try base.clipCellStateBackward(saved, dGates: dGates, dcPrev: dcPrev, clip: clip, time: time, lengths: lengths)
    }
    func zoneout(_ previous: Matrix, _ next: Matrix, output: Matrix?, probability: Float, seed: UInt32, training: Bool,
                 time: Int, lengths: (any DeviceBuffer)?) throws {
        try base.zoneout(previous, next, output: output, probability: probability, seed: seed, training: training, time: time,
                         lengths: lengths)
    }
    func zoneoutBackward(_ gradient: Matrix, outputGradient: Matrix?, carry: Matrix, probability: Float, seed: UInt32,
                         time: Int, lengths: (any DeviceBuffer)?) throws {
        try base.zoneoutBackward(gradient, outputGradient: outputGradient, carry: carry, probability: probability, seed: seed,
                                 time: time, lengths: lengths)
    }
    func layerNormLSTMBackward(_ step: LayerNormLSTMBackwardStep) throws { try base.layerNormLSTMBackward(step) }
    func binaryCrossEntropyWithLogits(_ logits: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix, scale: Float) throws {
        try base.binaryCrossEntropyWithLogits(logits, targets: targets, losses: losses, gradient: gradient, scale: scale)
    }
    func optimizerStep(_ step: OptimizerStep) throws { try base.optimizerStep(step) }

    func cellForward(_ step: CellForwardStep) throws {
        try base.cellForward(step)
        if fault == .forward { try base.axpy(alpha: 1e-3, step.hNext, step.hNext) }
    }

    func cellBackward(_ step: CellBackwardStep) throws {
        try base.cellBackward(step)
        if fault == .backward { try base.axpy(alpha: 0.1, step.dGatesX, step.dGatesX) }
    }
}
