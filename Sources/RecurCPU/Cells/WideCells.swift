import RecurAVX512

/// The same units in RecurAVX512's copy of the shared types (Cells/Lanes is compiled into both
/// modules, so each has its own `GateRow`, `ForwardUnits` and `BackwardUnits`).
extension GateRow {
    @inline(__always)
    var wide: RecurAVX512.GateRow { RecurAVX512.GateRow(base: base, stride: stride) }
}

extension ForwardUnits {
    @inline(__always)
    var wide: RecurAVX512.ForwardUnits {
        RecurAVX512.ForwardUnits(
            count: count, x: x.wide, h: h.wide, biasIH: biasIH?.wide, biasHH: biasHH?.wide,
            hPrev: hPrev, hNext: hNext, output: output, cPrev: cPrev, cNext: cNext, saved: saved?.wide)
    }
}

extension BackwardUnits {
    @inline(__always)
    var wide: RecurAVX512.BackwardUnits {
        RecurAVX512.BackwardUnits(
            count: count, saved: saved?.wide, hPrev: hPrev, hOut: hOut, cPrev: cPrev, dhNext: dhNext,
            dcNext: dcNext, dOutput: dOutput, dGatesX: dGatesX.wide, dGatesH: dGatesH.wide,
            dhPrev: dhPrev, dcPrev: dcPrev)
    }
}
