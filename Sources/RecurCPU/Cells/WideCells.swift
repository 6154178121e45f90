import RecurAVX512

/// The same units in RecurAVX512's copy of the shared types (Cells/Lanes is compiled into both
/// modules, so each has its own `GateRow`, `ForwardUnits` and `BackwardUnits`).
///
/// Reinterpreted, not rebuilt: the two copies are one declaration (the same source file, the same
/// stored properties in the same order), so they have one layout, and `unsafeBitCast` checks the
/// sizes. Rebuilding them called RecurAVX512's inits once per row and cell step: `@inlinable` on a
/// `package` declaration does not make its body available to another module (Swift 6.3 inlines only
/// public ones), and each call stalled on a 32-byte load of arguments just stored 8 bytes at a time
/// (perf: the two inits 3% of an lstm-small run).
extension ForwardUnits {
    @inline(__always)
    var wide: RecurAVX512.ForwardUnits { unsafeBitCast(self, to: RecurAVX512.ForwardUnits.self) }
}

extension BackwardUnits {
    @inline(__always)
    var wide: RecurAVX512.BackwardUnits { unsafeBitCast(self, to: RecurAVX512.BackwardUnits.self) }
}

extension ForwardStrides {
    @inline(__always)
    var wide: RecurAVX512.ForwardStrides { unsafeBitCast(self, to: RecurAVX512.ForwardStrides.self) }
}

extension BackwardStrides {
    @inline(__always)
    var wide: RecurAVX512.BackwardStrides { unsafeBitCast(self, to: RecurAVX512.BackwardStrides.self) }
}
