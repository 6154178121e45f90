import Recur
import RecurOpenCL
import RecurTestSupport
import Testing

/// The fused time loops (OpenCLBackend+Sequence.swift), forced on whatever the batch, against the
/// CPU reference: every cell, odd hidden sizes (dot-product tails), batch 1, 3 and 8, up to 50
/// steps, bidirectional, variable lengths, no bias, two layers. The per-step loop is forced too,
/// so both sides of `fusedBatchLimit` stay covered.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct FusedSequenceLoop {
    static let cases = ConformanceCases.everyCell([
        CaseShape(input: 5, hidden: 37, steps: 50, batch: 1),
        CaseShape(input: 11, hidden: 13, layers: 2, bidirectional: true, steps: 23, batch: 3, lengths: true),
        CaseShape(input: 8, hidden: 37, layers: 2, bias: false, steps: 17, batch: 8, lengths: true),
        CaseShape(input: 16, hidden: 24, bidirectional: true, bias: false, steps: 9, batch: 8),
    ], seed: 900)

    @Test("fused loop agrees with the CPU reference", arguments: cases)
    func fused(testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try TestDevice.backend(sequenceLoop: .fused))
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }

    @Test("per-step loop agrees with the CPU reference", arguments: cases.filter { $0.batch == 1 })
    func perStep(testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try TestDevice.backend(sequenceLoop: .perStep))
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }
}
