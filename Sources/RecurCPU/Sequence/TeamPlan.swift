import Recur

/// How a team of threads shares one time loop: how many members, and whether each owns a slice
/// of the hidden units (for every sequence of the batch) or a block of the batch's rows (for every
/// unit).
///
/// - `units`: a member computes its units' gates and packs only its rows of W_hh. h_t needs every
///   slice, so the members meet at a barrier each step, and each reads the other members' units
///   of h_t (or of the gate gradients) from their caches.
/// - `rows`: a member runs its own sequences through every step alone. A sequence's h_t depends
///   only on its own h_{t-1}, so there is no barrier inside the loop and no state crosses cores;
///   the team shares one packing of the whole W_hh, which every member reads.
///
/// lstm-small (B = 32, H = 128) on this 2-core Zen 5, RECUR_CPU_PROFILE, 3 alternated runs in a
/// phase where the machine was slow: units 10.0 / 6.6 / 1.2 us a forward step (product / cell /
/// barrier), rows 8.1 / 3.2 / 0; training 4.23-4.29 ms against 3.28-3.32.
struct TeamPlan: Equatable {
    enum Split: Equatable { case units, rows }

    let members: Int
    let split: Split

    /// The blocks member `rank` of a team of `size` owns (the team that runs may be smaller than
    /// `members`: see `ThreadPool.team`), at most three, disjoint, in order.
    ///
    /// A units split deals out (panel, row) pairs, not whole panels: the panels in order, each
    /// panel's rows in order, an even share to each member. A member then owns the end of one
    /// panel's rows, whole panels, and the start of another's. Whole panels alone could not be
    /// shared evenly: at H 300 (19 panels a gate) two threads took 9 and 10, and the first waited
    /// 59 us of a 253 us forward step at the barrier (LSTM B 48, RECUR_CPU_PROFILE), where H 320
    /// (10 and 10) waited 19. With one row (batch 1) a member's share is whole panels, as before.
    func blocks(_ rank: Int, of size: Int, batch: Int, hidden: Int) -> [TeamBlock] {
        let panels = (hidden + gemmNR - 1) / gemmNR
        switch split {
        case .rows:
            let rows = batch * rank / size..<batch * (rank + 1) / size
            return rows.isEmpty ? [] : [TeamBlock(rows: rows, panels: 0..<panels)]
        case .units:
            // Pair (p, b) is number p * batch + b; the member owns numbers start ..< end.
            let total = panels * batch
            let start = total * rank / size, end = total * (rank + 1) / size
            guard start < end else { return [] }
            let (p0, b0) = start.quotientAndRemainder(dividingBy: batch)
            let (p1, b1) = end.quotientAndRemainder(dividingBy: batch)
            if p0 == p1 { return [TeamBlock(rows: b0..<b1, panels: p0..<p0 + 1)] }
            var blocks: [TeamBlock] = []
            if b0 > 0 { blocks.append(TeamBlock(rows: b0..<batch, panels: p0..<p0 + 1)) }
            let whole = (b0 > 0 ? p0 + 1 : p0)..<p1
            if !whole.isEmpty { blocks.append(TeamBlock(rows: 0..<batch, panels: whole)) }
            if b1 > 0 { blocks.append(TeamBlock(rows: 0..<b1, panels: p1..<p1 + 1)) }
            return blocks
        }
    }
}

/// A block of a team member's share: batch rows `rows` x the hidden units of the packed W_hh
/// panels `panels` (`gemmNR` = 16 units each; the layer's last panel may hold fewer).
struct TeamBlock: Equatable {
    let rows: Range<Int>
    let panels: Range<Int>

    /// The hidden units of the block's panels.
    func units(hidden: Int) -> Range<Int> {
        panels.lowerBound * gemmNR..<min(panels.upperBound * gemmNR, hidden)
    }
}

extension CPUBackend {
    /// The team for a loop of this shape, or nil when the per-step loop runs instead (cells
    /// narrower than one vector). One member still gains from the weights packed once per sequence.
    func teamPlan(batch: Int, hidden: Int, gates: Int) -> TeamPlan? {
        guard sequenceLoop != .perStep, hidden >= 8 else { return nil }
        let work = 2 * batch * gates * hidden * hidden
        let wanted = min(pool.threadCount, max(1, work / Self.teamWorkPerThread))
        let split: TeamPlan.Split
        switch sequenceLoop {
        case .teamByUnits, .perStep: split = .units
        case .teamByRows: split = .rows
        case .team:
            split = Self.prefersRows(batch: batch, hidden: hidden, gates: gates, members: wanted, l2: caches.l2) ? .rows : .units
        }
        let panels = (hidden + gemmNR - 1) / gemmNR
        return TeamPlan(members: min(wanted, split == .units ? panels * batch : batch), split: split)
    }

    /// FLOPs of one step's recurrent product that make another thread worth its share (~1 us of
    /// barrier or start-up).
    static let teamWorkPerThread = 100_000

    /// Whether the automatic team splits the batch rather than the units. Every member of a rows
    /// split reads all of W_hh's panels each step, where a units split reads each panel once: the
    /// rows split pays where the panels stay in each core's L2 (`l2` bytes), from 2 rows a member
    /// where they take a quarter of it or less, from 8 rows where they take up to all of it (the
    /// 8- and 12-row kernels then read a panel once for as many FMAs as the units split does).
    ///
    /// Measured on this 2-core Zen 5 (1 MiB L2), training ms, alternated runs (units / rows):
    /// - rows won: LSTM H=128 B=32 (lstm-small, 256 KiB of panels) 2.64-3.26 / 2.48-2.63 (8 runs),
    ///   B=8 1.25-1.27 / 0.98-1.04, B=4 0.73-0.80 / 0.49-0.70; LSTM H=256 B=16 (1 MiB) 5.75-5.98 /
    ///   5.23-5.33; GRU H=64 B=12 0.69-0.71 / 0.51-0.52.
    /// - units won: LSTM H=256 B=8 (1 MiB, 4 rows a member) 2.10-2.16 / 2.29-2.35, B=4 1.18-1.89 /
    ///   1.89-2.55; LSTM H=512 (4 MiB) B=8 8.95-10.9 / 10.7-11.8, B=16 15.9-16.1 / 16.2-16.5;
    ///   lstm-large (16 MiB) 239.9-240.5 / 249.8-257.6, and in a slow phase of the machine
    ///   recurrent products of 1153 / 1618 us a forward step.
    /// - within 2-4% either way: lstm-medium, gru-medium, lstm-charlm, rnn-tanh-medium, lstm-bi-2l
    ///   (1-4 MiB); an Elman H=1024 B=24 (4 MiB) 25.3-25.4 / 24.3-24.5.
    static func prefersRows(batch: Int, hidden: Int, gates: Int, members: Int, l2: Int) -> Bool {
        let rowsEach = batch / members
        let panelBytes = gates * panelWidth(hidden) * hidden * MemoryLayout<Float>.size
        if panelBytes <= l2 / 4 { return rowsEach >= 2 }
        return panelBytes <= l2 && rowsEach >= 8
    }
}
