// Shared source: compiled into RecurCPU (8 lanes) and, through the symlinks in
// Sources/RecurAVX512/Lanes, into RecurAVX512 (16 lanes). Everything here is written against
// `Vector` and its companions (each module's VectorWidth.swift) and must compile in both.

/// The G gate blocks of one row, seen from one hidden unit: gate k of that unit is at
/// `base + k * stride`. A (B, G*H) row has stride H; the time loop's per-thread products
/// (`RecurrentTeamLoop`) have their own stride.
package struct GateRow {
    package let base: UnsafeMutablePointer<Float>
    package let stride: Int

    @inline(__always)  // RecurCPU does not build RecurAVX512's copies: see WideCells.swift
    package init(base: UnsafeMutablePointer<Float>, stride: Int) {
        self.base = base
        self.stride = stride
    }

    @inline(__always)
    package func gate(_ k: Int) -> UnsafeMutablePointer<Float> { base + k * stride }
}

/// One row of a forward cell step restricted to `count` consecutive hidden units; every pointer
/// is at the first of them. The cells' `forward(_: ForwardUnits)` read and write nothing else, so
/// threads that own different units of the same step never touch the same memory. A block of rows
/// is its first row's units and `ForwardStrides` (`forEachRow`), one call into the cell code per
/// block: a call per row cost ~120 cycles of set-up, a third of lstm-small's cell step with its
/// 4 vectors a row and thread (a probe of the 16-lane LSTM forward: 3.24 -> 2.1 us for 32 rows).
package struct ForwardUnits {
    package var count: Int
    package var x: GateRow, h: GateRow
    /// The cell's biases, summed once per sequence (`CellBias`): gate k's b_ih + b_hh; a GRU's
    /// rows are b_ir + b_hr, b_iz + b_hz, b_in, b_hn. Nil without biases.
    package var bias: GateRow?
    package var hPrev: UnsafeMutablePointer<Float>, hNext: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    package var cPrev: UnsafeMutablePointer<Float>?, cNext: UnsafeMutablePointer<Float>?
    package var saved: GateRow?

    @inline(__always)
    package init(
        count: Int, x: GateRow, h: GateRow, bias: GateRow?,
        hPrev: UnsafeMutablePointer<Float>, hNext: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
        cPrev: UnsafeMutablePointer<Float>?, cNext: UnsafeMutablePointer<Float>?, saved: GateRow?
    ) {
        self.count = count
        self.x = x
        self.h = h
        self.bias = bias
        self.hPrev = hPrev
        self.hNext = hNext
        self.output = output
        self.cPrev = cPrev
        self.cNext = cNext
        self.saved = saved
    }
}

/// The backward mirror of `ForwardUnits`.
package struct BackwardUnits {
    package var count: Int
    package var saved: GateRow?
    package var hPrev: UnsafeMutablePointer<Float>, hOut: UnsafeMutablePointer<Float>, cPrev: UnsafeMutablePointer<Float>?
    package var dhNext: UnsafeMutablePointer<Float>, dcNext: UnsafeMutablePointer<Float>?
    package var dOutput: UnsafeMutablePointer<Float>?
    package var dGatesX: GateRow, dGatesH: GateRow
    package var dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>?

    @inline(__always)
    package init(
        count: Int, saved: GateRow?, hPrev: UnsafeMutablePointer<Float>, hOut: UnsafeMutablePointer<Float>,
        cPrev: UnsafeMutablePointer<Float>?, dhNext: UnsafeMutablePointer<Float>, dcNext: UnsafeMutablePointer<Float>?,
        dOutput: UnsafeMutablePointer<Float>?, dGatesX: GateRow, dGatesH: GateRow,
        dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>?
    ) {
        self.count = count
        self.saved = saved
        self.hPrev = hPrev
        self.hOut = hOut
        self.cPrev = cPrev
        self.dhNext = dhNext
        self.dcNext = dcNext
        self.dOutput = dOutput
        self.dGatesX = dGatesX
        self.dGatesH = dGatesH
        self.dhPrev = dhPrev
        self.dcPrev = dcPrev
    }
}

/// How far each of `ForwardUnits`' pointers moves from one row to the next, in floats (the
/// matrices' leading dimensions). The biases are the same for every row.
package struct ForwardStrides {
    package var x: Int, h: Int, hPrev: Int, hNext: Int, output: Int, cPrev: Int, cNext: Int, saved: Int
}

/// `ForwardStrides` for `BackwardUnits`.
package struct BackwardStrides {
    package var saved: Int, hPrev: Int, hOut: Int, cPrev: Int, dhNext: Int, dcNext: Int, dOutput: Int
    package var dGatesX: Int, dGatesH: Int, dhPrev: Int, dcPrev: Int
}

extension GateRow {
    @inline(__always)
    func advanced(by n: Int) -> GateRow { GateRow(base: base + n, stride: stride) }
}

extension ForwardUnits {
    /// Calls body with the units of rows 0 ..< rows, row 0 being these.
    @_transparent
    func forEachRow(_ rows: Int, _ strides: ForwardStrides, _ body: (ForwardUnits) -> Void) {
        var u = self
        for _ in 0..<rows {
            body(u)
            u.x = u.x.advanced(by: strides.x)
            u.h = u.h.advanced(by: strides.h)
            u.hPrev += strides.hPrev
            u.hNext += strides.hNext
            u.output += strides.output
            u.cPrev = u.cPrev.map { $0 + strides.cPrev }
            u.cNext = u.cNext.map { $0 + strides.cNext }
            u.saved = u.saved.map { $0.advanced(by: strides.saved) }
        }
    }
}

extension BackwardUnits {
    /// Calls body with the units of rows 0 ..< rows, row 0 being these.
    @_transparent
    func forEachRow(_ rows: Int, _ strides: BackwardStrides, _ body: (BackwardUnits) -> Void) {
        var u = self
        for _ in 0..<rows {
            body(u)
            u.saved = u.saved.map { $0.advanced(by: strides.saved) }
            u.hPrev += strides.hPrev
            u.hOut += strides.hOut
            u.cPrev = u.cPrev.map { $0 + strides.cPrev }
            u.dhNext += strides.dhNext
            u.dcNext = u.dcNext.map { $0 + strides.dcNext }
            u.dOutput = u.dOutput.map { $0 + strides.dOutput }
            u.dGatesX = u.dGatesX.advanced(by: strides.dGatesX)
            u.dGatesH = u.dGatesH.advanced(by: strides.dGatesH)
            u.dhPrev += strides.dhPrev
            u.dcPrev = u.dcPrev.map { $0 + strides.dcPrev }
        }
    }
}
