/// The vector the shared cell code (Lanes, a symlink to RecurCPU's Cells/Lanes) runs on in this
/// module: 16 lanes (AVX-512).
typealias Vector = SIMD16<Float>
typealias VectorInt32 = SIMD16<Int32>
typealias VectorUInt32 = SIMD16<UInt32>
