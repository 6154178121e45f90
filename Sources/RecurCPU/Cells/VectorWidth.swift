/// The vector the shared cell code in Cells/Lanes runs on in this module: 8 lanes (AVX2).
/// RecurAVX512 compiles the same files with 16.
typealias Vector = SIMD8<Float>
typealias VectorInt32 = SIMD8<Int32>
typealias VectorUInt32 = SIMD8<UInt32>
