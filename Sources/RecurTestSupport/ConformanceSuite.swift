import Foundation
import Recur
import RecurCPU
import RecurFixtures

/// The checks every backend must pass, written once and run against each backend (the way
/// tinygrad's test/backend runs one suite on every device):
/// 1. every reference fixture (PyTorch's outputs and gradients) within FORMAT.md's tolerance;
/// 2. agreement with the CPU reference on configurations no fixture covers;
/// 3. finite-difference gradient checks on small random configurations.
/// Each check returns what it measured; the test targets assert on it.
public struct ConformanceSuite {
    public let backend: any Backend
    /// The CPU backend on one thread, running the time loops as their definition states them (one
    /// GEMM and one cell step per step): the reference for configurations without a fixture.
    public let reference: any Backend

    public init(backend: any Backend, reference: any Backend = CPUBackend(threads: 1, sequenceLoop: .perStep)) {
        self.backend = backend
        self.reference = reference
    }

    /// Runs one fixture file on the backend.
    public func fixture(_ url: URL) throws -> FixtureReport {
        let file = try FixtureRunner.load(url)
        return FixtureRunner.run(file, named: url.lastPathComponent, on: backend)
    }

    /// Runs a random case on the backend and on the reference; one comparison per result tensor.
    public func agreement(_ testCase: RandomCase, tolerance: Tolerance = .layer) throws -> [Comparison] {
        let data = CaseData(testCase)
        let got = try data.run(on: backend)
        let expected = try data.run(on: reference)
        return expected.keys.sorted().map { name in
            Comparison(tensor: name, got: got[name] ?? [], expected: expected[name]!, tolerance: tolerance)
        }
    }

    /// The layer with its scratch rows padded (`RecurrentLayer.paddedStride`: strides of 4 KiB get
    /// a cache line more) against the same layer without, on this backend: every operation must
    /// honour the matrices' row strides. Within the layer tolerance (the results are the same
    /// products; a backend that read past the padding would be far off).
    public func paddingAgreement(_ testCase: RandomCase) throws -> [Comparison] {
        let data = CaseData(testCase)
        let padded = try data.run(on: backend), plain = try data.run(on: backend, paddedRows: false)
        return plain.keys.sorted().map { name in
            Comparison(tensor: name, got: padded[name] ?? [], expected: plain[name]!, tolerance: .layer)
        }
    }

    /// A backward without the input's gradient (`inputGradient: false`) against a full one on the
    /// same backend: no grad_input, and every other result within the layer tolerance. The skipped
    /// product is the first layer's only: the layers above still need theirs for the layers below.
    public func withoutInputGradient(_ testCase: RandomCase) throws -> (hasInputGradient: Bool, comparisons: [Comparison]) {
        let data = CaseData(testCase)
        let full = try data.run(on: backend)
        let partial = try data.run(on: backend, inputGradient: false)
        let comparisons = full.keys.filter { $0 != "grad_input" }.sorted().map { name in
            Comparison(tensor: name, got: partial[name] ?? [], expected: full[name]!, tolerance: .layer)
        }
        return (partial["grad_input"] != nil, comparisons)
    }

    /// Central finite differences of the loss (sum of outputs and final states weighted by random
    /// upstream gradients) against the backend's analytic gradients, at `samples` entries of every
    /// parameter, of the input and of the initial states.
    ///
    /// The perturbed forwards run on the reference: the differences measure the derivative of the
    /// function every backend computes (the agreement and fixture checks hold each backend's forward
    /// to it), and the backend's backward is what is checked. On a slow driver the backend's own
    /// forwards were most of the suite (rusticl: each launch costs milliseconds, and a check is a
    /// hundred forwards of a few dozen launches); on the reference they cost microseconds.
    public func gradientCheck(_ testCase: RandomCase, samples: Int = 3) throws -> GradientCheckReport {
        let data = CaseData(testCase)
        let analytic = try data.run(on: backend)
        let epsilon: Float = 3e-3
        var generator = SeededGenerator(seed: testCase.seed &+ 99)
        var checks: [GradientCheckReport.Check] = []
        // The unperturbed loss, shared by every entry's one-sided differences.
        let center = try data.loss(on: reference)

        func check(_ name: String, count: Int, loss: (Int, Float) throws -> Double) throws {
            for _ in 0..<min(samples, count) {
                let index = Int.random(in: 0..<count, using: &generator)
                let plus = try loss(index, epsilon), minus = try loss(index, -epsilon)
                checks.append(.init(
                    tensor: name, index: index, analytic: Double(analytic[name]![index]),
                    central: (plus - minus) / Double(2 * epsilon),
                    oneSided: ((plus - center) / Double(epsilon), (center - minus) / Double(epsilon))))
            }
        }
        for (name, parameter) in data.parameters.sorted(by: { $0.key < $1.key }) {
            try check("grad." + name, count: parameter.values.count) { index, delta in
                var perturbed = data.parameters
                perturbed[name]!.values[index] += delta
                return try data.loss(on: reference, parameters: perturbed)
            }
        }
        try check("grad_input", count: data.input.values.count) { index, delta in
            var input = data.input.values
            input[index] += delta
            return try data.loss(on: reference, input: input)
        }
        try check("grad_h0", count: data.h0.count) { index, delta in
            var h0 = data.h0
            h0[index] += delta
            return try data.loss(on: reference, h0: h0)
        }
        if let c0 = data.c0 {
            try check("grad_c0", count: c0.count) { index, delta in
                var perturbed = c0
                perturbed[index] += delta
                return try data.loss(on: reference, c0: perturbed)
            }
        }
        return GradientCheckReport(caseDescription: testCase.description, checks: checks)
    }
}

/// Finite differences against analytic gradients. A check passes when the central difference
/// agrees, |numeric - analytic| <= 2e-3 + 2e-2 * max(|numeric|, |analytic|) (float32 differences
/// with epsilon 3e-3 carry about 1e-4 of rounding noise on these losses), or, where the loss has a
/// kink within epsilon (ReLU at zero), when one of the one-sided differences does: the analytic
/// gradient is then the derivative of one side, and the other side's difference crosses the kink.
public struct GradientCheckReport: CustomStringConvertible, Sendable {
    public struct Check: Sendable {
        public let tensor: String
        public let index: Int
        public let analytic: Double
        public let central: Double
        public let oneSided: (forward: Double, backward: Double)

        public init(tensor: String, index: Int, analytic: Double, central: Double, oneSided: (forward: Double, backward: Double)) {
            self.tensor = tensor; self.index = index; self.analytic = analytic; self.central = central; self.oneSided = oneSided
        }

        public var numeric: Double { central }

        public var passed: Bool {
            [central, oneSided.forward, oneSided.backward].contains { numeric in
                abs(numeric - analytic) <= 2e-3 + 2e-2 * max(abs(numeric), abs(analytic))
            }
        }
    }

    public let caseDescription: String
    public let checks: [Check]

    public init(caseDescription: String, checks: [Check]) {
        self.caseDescription = caseDescription
        self.checks = checks
    }
    public var failures: [Check] { checks.filter { !$0.passed } }
    public var passed: Bool { !checks.isEmpty && failures.isEmpty }

    public var description: String {
        let shown = failures.prefix(5).map {
            "\($0.tensor)[\($0.index)] numeric \($0.numeric) analytic \($0.analytic)"
        }
        return "\(caseDescription): \(checks.count) checks, \(failures.count) failed" + (shown.isEmpty ? "" : ": " + shown.joined(separator: "; "))
    }
}
