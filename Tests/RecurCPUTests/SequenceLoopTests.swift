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

    @Test("a team's blocks cover the batch and the units once")
    func shares() {
        for split in [TeamPlan.Split.units, .rows] {
            for (batch, hidden, size) in [(9, 75, 3), (32, 128, 2), (13, 130, 3), (48, 300, 2), (1, 200, 3), (5, 100, 8)] {
                let plan = TeamPlan(members: size, split: split)
                var covered = Array(repeating: 0, count: batch * hidden)
                for rank in 0..<size {
                    for block in plan.blocks(rank, of: size, batch: batch, hidden: hidden) {
                        for b in block.rows { for j in block.units(hidden: hidden) { covered[b * hidden + j] += 1 } }
                    }
                }
                #expect(covered.allSatisfy { $0 == 1 }, "\(split) \(batch)x\(hidden) over \(size)")
            }
        }
    }

    /// Whole panels alone split H 300 (19 panels of 16) as 9 + 10; the units split deals out
    /// (panel, row) pairs, so members differ by at most one row of one panel.
    @Test("a units split gives every member the same work, to one row of one panel")
    func balancedUnits() {
        for (batch, hidden) in [(48, 300), (9, 75), (1, 200), (3, 129), (20, 700), (2, 31)] {
            let panels = (hidden + 15) / 16
            for size in 1...8 {
                let plan = TeamPlan(members: size, split: .units)
                var work: [Int] = []
                for rank in 0..<size {
                    let blocks = plan.blocks(rank, of: size, batch: batch, hidden: hidden)
                    #expect(blocks.count <= 3)
                    // In order: rows of one panel, then whole panels, then rows of another.
                    for (a, b) in zip(blocks, blocks.dropFirst()) { #expect(a.panels.upperBound == b.panels.lowerBound) }
                    work.append(blocks.reduce(0) { $0 + $1.rows.count * $1.panels.count })
                }
                #expect(work.reduce(0, +) == panels * batch)
                #expect(work.max()! - work.min()! <= 1, "B \(batch) H \(hidden) over \(size): \(work)")
            }
        }
        // Batch 48, H 300, two members: 9 panels and half of the tenth each.
        let plan = TeamPlan(members: 2, split: .units)
        #expect(plan.blocks(0, of: 2, batch: 48, hidden: 300)
            == [TeamBlock(rows: 0..<48, panels: 0..<9), TeamBlock(rows: 0..<24, panels: 9..<10)])
        #expect(plan.blocks(1, of: 2, batch: 48, hidden: 300)
            == [TeamBlock(rows: 24..<48, panels: 9..<10), TeamBlock(rows: 0..<48, panels: 10..<19)])
    }
}
