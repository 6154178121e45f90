import Recur
@testable import RecurCPU
import RecurTestSupport
import Testing

/// The CPU backend's persistent time loop (a team of threads, each owning a slice of the hidden
/// units) against the loop's definition (one GEMM and one cell step per time step), on shapes where
/// the team really splits: slices that are not multiples of the 16-column panels, batch 1, odd
/// batches, lengths, the reverse direction, every cell, widths of 4 KiB (padded rows).
@Suite struct SequenceLoop {
    static let cases: [RandomCase] = {
        var cases: [RandomCase] = []
        var seed: UInt64 = 500
        for mode in CellMode.allCases {
            for (input, hidden, steps, batch) in [(21, 75, 11, 9), (33, 200, 23, 1), (8, 130, 5, 13)] {
                let d = try! RNNDescriptor(mode: mode, inputSize: input, hiddenSize: hidden, bidirectional: true)
                cases.append(RandomCase(d, steps: steps, batch: batch, variableLengths: batch > 1, seed: seed))
                seed += 1
            }
        }
        // Widths of 4 KiB, whose rows the layer pads (RecurrentLayer.paddedStride): the LSTM's gate
        // gradients at H = 256 (4H = 1024 floats), the Elman state and gradients at H = 1024.
        for (mode, hidden) in [(CellMode.lstm, 256), (.rnnTanh, 1024)] {
            let d = try! RNNDescriptor(mode: mode, inputSize: 8, hiddenSize: hidden, bidirectional: true)
            cases.append(RandomCase(d, steps: 4, batch: 7, variableLengths: true, seed: seed))
            seed += 1
        }
        return cases
    }()

    @Test("a team of three threads agrees with the per-step loop", arguments: cases)
    func teamAgrees(testCase: RandomCase) throws {
        let team = CPUBackend(threads: 3, sequenceLoop: .team)
        let d = testCase.descriptor
        let members = team.teamSize(batch: testCase.batch, hidden: d.hiddenSize, gates: d.mode.gateCount)
        #expect(members != nil)
        let suite = ConformanceSuite(backend: team)
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase) (\(members ?? 0) threads): \(comparison.tensor) max_abs \(comparison.maxAbsolute)")
        }
    }

    @Test("the team splits the work where a step is large enough")
    func teamSizes() {
        let backend = CPUBackend(threads: 3, sequenceLoop: .team)
        #expect(backend.teamSize(batch: 9, hidden: 75, gates: 4) == 3)
        #expect(backend.teamSize(batch: 1, hidden: 200, gates: 3) == 2)
        #expect(backend.teamSize(batch: 2, hidden: 4, gates: 4) == nil)
        #expect(CPUBackend(threads: 3, sequenceLoop: .perStep).teamSize(batch: 64, hidden: 512, gates: 4) == nil)
    }

    @Test("slices cover the hidden units in order, in multiples of 8")
    func slices() {
        for hidden in [8, 13, 37, 75, 128, 200] {
            for size in 1...min(4, hidden / 8) {
                let ranges = (0..<size).map { CPUBackend.slice($0, of: size, hidden: hidden) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == hidden)
                for (a, b) in zip(ranges, ranges.dropFirst()) {
                    #expect(a.upperBound == b.lowerBound && a.upperBound % 8 == 0 && !a.isEmpty)
                }
            }
        }
    }
}
