import Recur
@testable import RecurCPU
import RecurTestSupport
import Testing

/// The CPU backend's persistent time loop (a team of threads, each owning a slice of the hidden
/// units or a block of the batch's rows) against the loop's definition (one GEMM and one cell step
/// per time step), on shapes where the team really splits: slices that are not multiples of the
/// 16-column panels, batch 1, odd batches, lengths, the reverse direction, every cell, widths of
/// 4 KiB (padded rows).
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

    /// Teams of 3 to 8 threads: more than the cores of the machines CI has (2), so members are
    /// preempted mid-step and meet at barriers late, as on users' 8- to 128-core machines.
    static let splits: [(loop: CPUBackend.SequenceLoop, threads: Int)] = [
        (.teamByUnits, 3), (.teamByRows, 3), (.teamByUnits, 4), (.teamByRows, 4),
        (.teamByUnits, 5), (.teamByRows, 5), (.teamByUnits, 8), (.teamByRows, 8),
    ]

    /// Every case with every split under RECUR_TEST_EXHAUSTIVE=1 (CI: 112 runs); by default every
    /// case split both ways (by units and by rows) at one team size, the size rotating from case to
    /// case (28 runs): each split and each team size still runs on 3 or 4 cases of different
    /// cells and shapes. What a size adds is how late members come to a barrier, which the
    /// machine's load decides as much as the size.
    static let pairs = TestScope.pairs(cases, splits, perA: 2)

    @Test("a team of 3, 4, 5 or 8 threads agrees with the per-step loop, split either way", arguments: pairs)
    func teamAgrees(testCase: RandomCase, split: (loop: CPUBackend.SequenceLoop, threads: Int)) throws {
        let loop = split.loop
        let team = CPUBackend(threads: split.threads, sequenceLoop: loop)
        let d = testCase.descriptor
        let plan = team.teamPlan(batch: testCase.batch, hidden: d.hiddenSize, gates: d.mode.gateCount)
        #expect(plan?.split == (loop == .teamByRows ? .rows : .units))
        let suite = ConformanceSuite(backend: team)
        for comparison in try suite.agreement(testCase) {
            #expect(comparison.passed, "\(testCase) (\(loop), \(plan?.members ?? 0) threads): \(comparison.tensor) max_abs \(comparison.maxAbsolute)")
        }
    }

    @Test("the team splits the work where a step is large enough")
    func teamSizes() {
        let backend = CPUBackend(threads: 3, sequenceLoop: .team)
        #expect(backend.teamPlan(batch: 9, hidden: 75, gates: 4)?.members == 3)
        #expect(backend.teamPlan(batch: 1, hidden: 200, gates: 3) == TeamPlan(members: 2, split: .units))
        #expect(backend.teamPlan(batch: 2, hidden: 4, gates: 4) == nil)
        #expect(CPUBackend(threads: 3, sequenceLoop: .perStep).teamPlan(batch: 64, hidden: 512, gates: 4) == nil)
        // Split by rows: never more members than rows.
        #expect(CPUBackend(threads: 3, sequenceLoop: .teamByRows).teamPlan(batch: 2, hidden: 512, gates: 4)
            == TeamPlan(members: 2, split: .rows))
    }

    /// On the caches the thresholds were measured on (`CPUCaches.fallback`: 1 MiB of L2), so
    /// that the expectations hold on any machine.
    @Test("the automatic team splits the batch where each thread gets enough rows")
    func automaticSplit() throws {
        let two = try CPUBackend(options: CPUBackendOptions(threads: 2, caches: .fallback))
        // lstm-small: 16 rows a thread.
        #expect(two.teamPlan(batch: 32, hidden: 128, gates: 4) == TeamPlan(members: 2, split: .rows))
        // 4 rows a thread of a 256 KiB W_hh, but not of a 1 MiB one.
        #expect(two.teamPlan(batch: 8, hidden: 128, gates: 4)?.split == .rows)
        #expect(two.teamPlan(batch: 8, hidden: 256, gates: 4)?.split == .units)
        // 8 rows a thread of a 1 MiB W_hh, but not of a 16 MiB one (lstm-large); batch 1 keeps
        // both threads on the units.
        #expect(two.teamPlan(batch: 16, hidden: 256, gates: 4)?.split == .rows)
        #expect(two.teamPlan(batch: 64, hidden: 1024, gates: 4)?.split == .units)
        #expect(two.teamPlan(batch: 1, hidden: 256, gates: 4) == TeamPlan(members: 2, split: .units))
    }

    @Test("the rows split follows the L2 the machine reports")
    func splitFollowsL2() throws {
        func split(l2: Int, batch: Int, hidden: Int) throws -> TeamPlan.Split? {
            let caches = CPUCaches(l1Data: 32 << 10, l2: l2, l3PerCore: 16 << 20)
            return try CPUBackend(options: CPUBackendOptions(threads: 2, caches: caches))
                .teamPlan(batch: batch, hidden: hidden, gates: 4)?.split
        }
        // A 256 KiB W_hh with 4 rows a thread: rows where it is a quarter of L2 or less.
        #expect(try split(l2: 1 << 20, batch: 8, hidden: 128) == .rows)
        #expect(try split(l2: 512 << 10, batch: 8, hidden: 128) == .units)
        // A 1 MiB W_hh with 4 rows a thread: units on 1 MiB of L2, rows on 4 MiB.
        #expect(try split(l2: 1 << 20, batch: 8, hidden: 256) == .units)
        #expect(try split(l2: 4 << 20, batch: 8, hidden: 256) == .rows)
    }

    @Test("a team's shares cover the batch and the units once")
    func shares() {
        for split in [TeamPlan.Split.units, .rows] {
            for (batch, hidden, size) in [(9, 75, 3), (32, 128, 2), (13, 130, 3)] {
                let plan = TeamPlan(members: size, split: split)
                var covered = Array(repeating: 0, count: batch * hidden)
                for rank in 0..<size {
                    let (rows, units) = plan.share(rank, of: size, batch: batch, hidden: hidden)
                    for b in rows { for j in units { covered[b * hidden + j] += 1 } }
                }
                #expect(covered.allSatisfy { $0 == 1 }, "\(split) \(batch)x\(hidden) over \(size)")
            }
        }
    }

    @Test("slices cover the hidden units in order, in multiples of 8")
    func slices() {
        for hidden in [8, 13, 37, 75, 128, 200] {
            for size in 1...min(4, hidden / 8) {
                let ranges = (0..<size).map { TeamPlan.slice($0, of: size, hidden: hidden) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == hidden)
                for (a, b) in zip(ranges, ranges.dropFirst()) {
                    #expect(a.upperBound == b.lowerBound && a.upperBound % 8 == 0 && !a.isEmpty)
                }
            }
        }
    }
}
