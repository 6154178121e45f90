import Recur
@testable import RecurOpenCL
import RecurTestSupport
import Testing

/// The whole-sequence time loop (OpenCLBackend+WholeSequence.swift, Kernels/sequence_*.cl),
/// forced, against the CPU reference: every cell; one group (batch 1, batch 5: the GEMV and the
/// partial row block of packed_block) and one group per compute unit (even and uneven parts);
/// hidden sizes under 8, odd, and past 32 (several column pairs, a partial last chunk of eight
/// units); one step and odd and even step counts (the backward's final move); bidirectional,
/// stacked, no bias, and lengths.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct WholeSequenceLoop {
    static let cases = ConformanceCases.everyCell([
        CaseShape(input: 4, hidden: 5, steps: 9, batch: 1),
        CaseShape(input: 5, hidden: 37, steps: 1, batch: 5, lengths: true),
        CaseShape(input: 5, hidden: 37, steps: 13, batch: 16),
        CaseShape(input: 11, hidden: 13, layers: 2, bidirectional: true, steps: 8, batch: 19),
        CaseShape(input: 8, hidden: 40, bidirectional: true, bias: false, steps: 7, batch: 41),
        CaseShape(input: 6, hidden: 21, bidirectional: true, steps: 12, batch: 35, lengths: true),
    ], seed: 1700)

    @Test("whole-sequence loop agrees with the CPU reference", arguments: cases)
    func wholeSequence(testCase: RandomCase) throws {
        let backend = try TestDevice.backend(sequenceLoop: .sequence)
        if backend.device.kind == .cpu, backend.gemmTuning.packed {
            #expect(backend.wholeSequenceParts(batch: testCase.batch) != nil, "\(testCase) should run whole on \(backend.device.summary)")
        }
        let suite = ConformanceSuite(backend: backend)
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }

    /// The kernels' paths for CPUs without AVX-512 (float8 accumulators and cells, 4 rows a pass),
    /// forced by defines on whatever device runs the tests, so an AVX-512 machine covers them too.
    static let narrowDefines = ["GEMM_VEC16": "0", "RECUR_WIDE_UNITS": "8", "GEMM_MR": "4"]

    @Test("256-bit kernel paths agree with the CPU reference", arguments: cases.filter { $0.batch != 16 })
    func narrowPaths(testCase: RandomCase) throws {
        let device = try TestDevice.device()
        let backend = try OpenCLBackend(device: device, tuning: .defaults(for: device.kind), source: .explicit,
                                        sequenceLoop: .sequence, programDefines: Self.narrowDefines)
        let suite = ConformanceSuite(backend: backend)
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }

    @Test func partsFollowTheComputeUnits() throws {
        let backend = try TestDevice.backend(sequenceLoop: .sequence)
        guard backend.device.kind == .cpu, backend.gemmTuning.packed else {
            #expect(backend.wholeSequenceParts(batch: 32) == nil)
            return
        }
        #expect(backend.wholeSequenceParts(batch: 5) == [0..<5])
        #expect(backend.wholeSequenceParts(batch: 32) == (OpenCLBackend.rowParts(32, count: backend.device.computeUnits) ?? [0..<32]))
        // Other loops forced: not whole.
        #expect(try TestDevice.backend(sequenceLoop: .perStep).wholeSequenceParts(batch: 32) == nil)
        #expect(try TestDevice.backend(sequenceLoop: .fused).wholeSequenceParts(batch: 32) == nil)
    }
}
