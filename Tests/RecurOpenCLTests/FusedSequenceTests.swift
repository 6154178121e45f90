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
    static let cases: [RandomCase] = {
        var cases: [RandomCase] = []
        var seed: UInt64 = 900
        for mode in CellMode.allCases {
            for (i, h, layers, bi, bias, steps, batch, lengths) in [
                (5, 37, 1, false, true, 50, 1, false),
                (11, 13, 2, true, true, 23, 3, true),
                (8, 37, 2, false, false, 17, 8, true),
                (16, 24, 1, true, false, 9, 8, false),
            ] {
                let d = try! RNNDescriptor(mode: mode, inputSize: i, hiddenSize: h, numLayers: layers,
                                           bidirectional: bi, bias: bias, batchFirst: false)
                cases.append(RandomCase(d, steps: steps, batch: batch, variableLengths: lengths, seed: seed))
                seed += 1
            }
        }
        return cases
    }()

    @Test("fused loop agrees with the CPU reference", arguments: cases)
    func fused(testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try OpenCLBackend(sequenceLoop: .fused))
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }

    @Test("per-step loop agrees with the CPU reference", arguments: cases.filter { $0.batch == 1 })
    func perStep(testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try OpenCLBackend(sequenceLoop: .perStep))
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }
}
