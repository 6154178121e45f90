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
/// is at the first of them. The cells' `forward(_: ForwardUnits)` read and write nothing else,
/// so threads that own different units of the same step never touch the same memory.
package struct ForwardUnits {
    package var count: Int
    package var x: GateRow, h: GateRow
    package var biasIH: GateRow?, biasHH: GateRow?
    package var hPrev: UnsafeMutablePointer<Float>, hNext: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    package var cPrev: UnsafeMutablePointer<Float>?, cNext: UnsafeMutablePointer<Float>?
    package var saved: GateRow?

    @inline(__always)
    package init(
        count: Int, x: GateRow, h: GateRow, biasIH: GateRow?, biasHH: GateRow?,
        hPrev: UnsafeMutablePointer<Float>, hNext: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
        cPrev: UnsafeMutablePointer<Float>?, cNext: UnsafeMutablePointer<Float>?, saved: GateRow?
    ) {
        self.count = count
        self.x = x
        self.h = h
        self.biasIH = biasIH
        self.biasHH = biasHH
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
