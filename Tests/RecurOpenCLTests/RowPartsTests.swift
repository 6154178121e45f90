import Recur
@testable import RecurOpenCL
import RecurTestSupport
import Testing

/// How the whole-sequence loop shares a batch out by rows across queues (OpenCLBackend+RowParts.swift).
/// The loop's agreement with the CPU reference, parts included, is WholeSequenceTests'.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct RowParts {
    @Test func partsCoverTheBatchInEvenShares() throws {
        for count in 2...8 {
            for batch in [16, 17, 19, 20, 24, 32, 33, 41, 63, 64, 100, 1000] {
                guard let parts = OpenCLBackend.rowParts(batch, count: count) else {
                    #expect(batch < 2 * OpenCLBackend.partMinimumRows, "batch \(batch), \(count) parts")
                    continue
                }
                #expect(parts.count >= 2 && parts.count <= count)
                #expect(parts.first?.lowerBound == 0 && parts.last?.upperBound == batch, "batch \(batch): \(parts)")
                for (a, b) in zip(parts, parts.dropFirst()) { #expect(a.upperBound == b.lowerBound, "batch \(batch): \(parts)") }
                for part in parts { #expect(part.count >= OpenCLBackend.partMinimumRows, "batch \(batch): \(parts)") }
                // Every boundary on an even row (2-row blocks), and shares within 3 rows of each other.
                for part in parts.dropLast() { #expect(part.upperBound % 2 == 0, "batch \(batch): \(parts)") }
                let sizes = parts.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 3, "batch \(batch): \(parts)")
            }
            #expect(OpenCLBackend.rowParts(15, count: count) == nil)
        }
        // 20 rows on two queues: 10 and 10 (they went as 8 and 12).
        #expect(OpenCLBackend.rowParts(20, count: 2) == [0..<10, 10..<20])
    }

    /// `.automatic` runs the whole-sequence loop wherever `.sequence` does, with the same parts
    /// (WholeSequenceTests checks `.sequence`'s parts against the compute units).
    @Test func automaticRunsWholeSequencesWhereSequenceDoes() throws {
        let automatic = try OpenCLBackend(sequenceLoop: .automatic)
        let sequence = try OpenCLBackend(sequenceLoop: .sequence)
        for batch in [1, 5, 16, 32, 100] {
            #expect(automatic.wholeSequenceParts(batch: batch) == sequence.wholeSequenceParts(batch: batch), "batch \(batch)")
        }
    }
}
