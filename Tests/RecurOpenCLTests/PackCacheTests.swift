import Recur
@testable import RecurOpenCL
import Testing

/// The cache of packed GEMM operands (pack_b_panels, pack_a_rows) must give the speed of packing
/// once without ever serving a stale copy: every operation that writes a source buffer drops its
/// packed forms, and a packed form is found only for the same view in the same form.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct PackCacheTests {
    let cl: OpenCLBackend
    init() throws { cl = try TestDevice.backend() }

    // op(A) = A^T with A stored K x M, B K x N.
    static let m = 5, n = 6, k = 7

    /// C = A^T B on the host; a and b row-major (K x M and K x N).
    func reference(_ a: [Float], _ b: [Float]) -> [Float] {
        var c = [Float](repeating: 0, count: Self.m * Self.n)
        for i in 0..<Self.m { for j in 0..<Self.n { for p in 0..<Self.k { c[i * Self.n + j] += a[p * Self.m + i] * b[p * Self.n + j] } } }
        return c
    }

    /// C = A^T B on the device, compared with the host.
    func expectProduct(_ a: Matrix, _ aValues: [Float], _ b: Matrix, _ bValues: [Float], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let c = Matrix(try cl.makeBuffer(count: Self.m * Self.n), rows: Self.m, cols: Self.n)
        try cl.gemm(transA: true, transB: false, alpha: 1, a, b, beta: 0, c)
        let got = try cl.download(c.buffer, offset: 0, count: Self.m * Self.n)
        let want = reference(aValues, bValues)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "largest error \(worst)", sourceLocation: sourceLocation)
    }

    func isCached(_ a: Matrix) -> Bool {
        cl.packCache.lookup(a.buffer as! Buffer, PackCache.Key(a, form: .rowsOfTransposed)) != nil
    }

    @Test func aTransposedOperandIsCopiedOnceAndDroppedWhenWritten() throws {
        var aValues = testValues(Self.k * Self.m, seed: 11)
        let bValues = testValues(Self.k * Self.n, seed: 12), b2Values = testValues(Self.k * Self.n, seed: 13)
        let a = Matrix(try cl.tensor(aValues, shape: [Self.k, Self.m]).buffer, rows: Self.k, cols: Self.m)
        let b = Matrix(try cl.tensor(bValues, shape: [Self.k, Self.n]).buffer, rows: Self.k, cols: Self.n)
        let b2 = Matrix(try cl.tensor(b2Values, shape: [Self.k, Self.n]).buffer, rows: Self.k, cols: Self.n)

        try expectProduct(a, aValues, b, bValues)
        #expect(isCached(a) == cl.tuning.packed)
        // The second product with the same A (dW_ih then dW_hh from one dGates) reuses the copy.
        try expectProduct(a, aValues, b2, b2Values)
        #expect(isCached(a) == cl.tuning.packed)

        // Each kind of write drops the copy, and the next product sees the new values.
        aValues = testValues(Self.k * Self.m, seed: 14)
        try cl.upload(aValues, to: a.buffer, offset: 0)
        #expect(!isCached(a))
        try expectProduct(a, aValues, b, bValues)

        #expect(isCached(a) == cl.tuning.packed)
        try cl.fill(a, value: 0.5)
        #expect(!isCached(a))
        aValues = [Float](repeating: 0.5, count: aValues.count)
        try expectProduct(a, aValues, b, bValues)

        #expect(isCached(a) == cl.tuning.packed)
        let source = testValues(Self.k * Self.m, seed: 15)
        try cl.copy(Matrix(try cl.tensor(source, shape: [Self.k, Self.m]).buffer, rows: Self.k, cols: Self.m), to: a)
        #expect(!isCached(a))
        try expectProduct(a, source, b, bValues)

        // A GEMM that writes A as its C: A = I (K x K) * S.
        #expect(isCached(a) == cl.tuning.packed)
        var identity = [Float](repeating: 0, count: Self.k * Self.k)
        for i in 0..<Self.k { identity[i * Self.k + i] = 1 }
        let s = testValues(Self.k * Self.m, seed: 16)
        try cl.gemm(
            transA: false, transB: false, alpha: 1,
            Matrix(try cl.tensor(identity, shape: [Self.k, Self.k]).buffer, rows: Self.k, cols: Self.k),
            Matrix(try cl.tensor(s, shape: [Self.k, Self.m]).buffer, rows: Self.k, cols: Self.m), beta: 0, a)
        #expect(!isCached(a))
        try expectProduct(a, s, b, bValues)
    }

    /// One transposed A at a time: copying another drops the first (each direction's gate
    /// gradients live in its own buffer, and an old copy would stay as long as the forward).
    @Test func aNewTransposedOperandReplacesTheLastCopy() throws {
        let aValues = testValues(Self.k * Self.m, seed: 31), otherValues = testValues(Self.k * Self.m, seed: 32)
        let a = Matrix(try cl.tensor(aValues, shape: [Self.k, Self.m]).buffer, rows: Self.k, cols: Self.m)
        let other = Matrix(try cl.tensor(otherValues, shape: [Self.k, Self.m]).buffer, rows: Self.k, cols: Self.m)
        let bValues = testValues(Self.k * Self.n, seed: 33)
        let b = Matrix(try cl.tensor(bValues, shape: [Self.k, Self.n]).buffer, rows: Self.k, cols: Self.n)
        try expectProduct(a, aValues, b, bValues)
        #expect(isCached(a) == cl.tuning.packed)
        try expectProduct(other, otherValues, b, bValues)
        #expect(!isCached(a))
        #expect(isCached(other) == cl.tuning.packed)
    }

    @Test func anotherViewOfTheSameBufferIsNotServedTheCopy() throws {
        // Two K x M views of one buffer, one row apart.
        let values = testValues((Self.k + 1) * Self.m, seed: 21)
        let buffer = try cl.tensor(values, shape: [Self.k + 1, Self.m]).buffer
        let first = Matrix(buffer, rows: Self.k, cols: Self.m)
        let second = Matrix(buffer, offset: Self.m, rows: Self.k, cols: Self.m)
        let bValues = testValues(Self.k * Self.n, seed: 22)
        let b = Matrix(try cl.tensor(bValues, shape: [Self.k, Self.n]).buffer, rows: Self.k, cols: Self.n)
        try expectProduct(first, Array(values[0..<(Self.k * Self.m)]), b, bValues)
        #expect(!isCached(second))
        try expectProduct(second, Array(values[Self.m...]), b, bValues)
    }
}
