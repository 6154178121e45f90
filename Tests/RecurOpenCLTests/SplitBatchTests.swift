import Recur
@testable import RecurOpenCL
import RecurTestSupport
import Testing

/// The batch-split time loop (OpenCLBackend+SplitBatch.swift), forced wherever it can run, against
/// the CPU reference: every cell, batches that split evenly and unevenly, odd hidden sizes, odd
/// and even step counts (the backward's final copy), bidirectional and two layers, no bias, and
/// lengths (each part gets a copy of its rows' lengths).
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct SplitBatchLoop {
    static let cases = ConformanceCases.everyCell([
        CaseShape(input: 5, hidden: 37, steps: 13, batch: 16),
        CaseShape(input: 11, hidden: 13, layers: 2, bidirectional: true, steps: 8, batch: 19),
        CaseShape(input: 8, hidden: 24, bidirectional: true, bias: false, steps: 7, batch: 41),
        CaseShape(input: 7, hidden: 9, layers: 2, steps: 6, batch: 24, lengths: true),
        CaseShape(input: 6, hidden: 21, bidirectional: true, steps: 11, batch: 35, lengths: true),
    ], seed: 1300)

    @Test("split loop agrees with the CPU reference", arguments: cases)
    func split(testCase: RandomCase) throws {
        let backend = try TestDevice.backend(sequenceLoop: .split)
        let parts = backend.batchParts(testCase.batch)
        if backend.device.kind == .cpu, backend.device.computeUnits >= 2, backend.gemmTuning.packed {
            #expect(parts != nil, "\(testCase) should run split on \(backend.device.summary)")
        }
        let suite = ConformanceSuite(backend: backend)
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }

    @Test func partsCoverTheBatchInBlocksOfEightRows() throws {
        for count in 2...8 {
            for batch in [16, 17, 19, 24, 32, 33, 41, 63, 64, 100, 1000] {
                guard let parts = OpenCLBackend.rowParts(batch, count: count) else {
                    #expect(batch < 2 * OpenCLBackend.splitPartMinimumRows, "batch \(batch), \(count) parts")
                    continue
                }
                #expect(parts.count >= 2 && parts.count <= count)
                #expect(parts.first?.lowerBound == 0 && parts.last?.upperBound == batch, "batch \(batch): \(parts)")
                for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound, "batch \(batch): \(parts)") }
                for part in parts { #expect(part.count >= OpenCLBackend.splitPartMinimumRows, "batch \(batch): \(parts)") }
                for part in parts.dropLast() { #expect(part.count % 8 == 0, "batch \(batch): \(parts)") }
                // Near-even shares: sizes differ by at most 16 rows or one share.
                let sizes = parts.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= max(16, batch / parts.count), "batch \(batch): \(parts)")
            }
            #expect(OpenCLBackend.rowParts(15, count: count) == nil)
        }
        let backend = try TestDevice.backend(sequenceLoop: .split)
        guard backend.device.kind == .cpu, backend.device.computeUnits >= 2, backend.gemmTuning.packed else {
            print("SplitBatchLoop: \(backend.device.summary) does not split the batch")
            return
        }
        #expect(backend.batchParts(32) == OpenCLBackend.rowParts(32, count: backend.device.computeUnits))
        // Too small to split, or the per-step loop forced: one queue.
        #expect(backend.batchParts(15) == nil)
        #expect(try TestDevice.backend(sequenceLoop: .perStep).batchParts(32) == nil)
        // Automatic never splits: on CPU devices the whole-sequence loop takes every batch.
        let automatic = try TestDevice.backend(sequenceLoop: .automatic)
        #expect(automatic.batchParts(32) == nil)
        #expect(automatic.wholeSequenceParts(batch: 32) != nil)
        #expect(automatic.wholeSequenceParts(batch: 1) == [0..<1])
    }
}
