@testable import RecurOpenCL
import Testing

/// A row-major view for the host reference: element (r, c) at offset + r * ld + c.
struct HostView {
    var offset: Int, rows: Int, cols: Int, ld: Int

    var extent: Int { offset + (rows - 1) * ld + cols }
    func index(_ r: Int, _ c: Int) -> Int { offset + r * ld + c }
}

/// Repeatable test values in [-1, 1) (SplitMix64).
func testValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 24) * 2 - 1
    }
}

/// The elementwise kernels against the same operation on the host, on odd sizes and strided
/// views inside larger buffers, checking every element (those outside the view must not change).
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct ElementwiseKernels {
    /// Odd shapes, with a gap between rows and an offset; and a contiguous one.
    static let views: [HostView] = [
        HostView(offset: 5, rows: 13, cols: 37, ld: 41),
        HostView(offset: 0, rows: 1, cols: 1, ld: 1),
        HostView(offset: 3, rows: 67, cols: 9, ld: 9),
    ]

    func upload(_ values: [Float], _ queue: CommandQueue) throws -> Buffer {
        let buffer = try Buffer(context: queue.context, count: values.count)
        try queue.write(values, to: buffer)
        return buffer
    }

    @Test(arguments: views)
    func fillMatrix(_ v: HostView) throws {
        let queue = try TestDevice.queue()
        var expected = testValues(v.extent + 7, seed: 1)
        let buffer = try upload(expected, queue)
        try queue.enqueue(FillMatrix(dst: buffer, off: Int32(v.offset), rows: Int32(v.rows), cols: Int32(v.cols), ld: Int32(v.ld), value: 0.375))
        for r in 0..<v.rows { for c in 0..<v.cols { expected[v.index(r, c)] = 0.375 } }
        #expect(try queue.read(buffer, count: buffer.count) == expected)
    }

    @Test(arguments: views)
    func copyMatrix(_ v: HostView) throws {
        let queue = try TestDevice.queue()
        let d = HostView(offset: 2, rows: v.rows, cols: v.cols, ld: v.cols + 4)
        let source = testValues(v.extent + 3, seed: 2)
        var expected = testValues(d.extent + 5, seed: 3)
        let src = try upload(source, queue), dst = try upload(expected, queue)
        try queue.enqueue(CopyMatrix(src: src, srcOff: Int32(v.offset), srcLd: Int32(v.ld), dst: dst, dstOff: Int32(d.offset), dstLd: Int32(d.ld), rows: Int32(v.rows), cols: Int32(v.cols)))
        for r in 0..<v.rows { for c in 0..<v.cols { expected[d.index(r, c)] = source[v.index(r, c)] } }
        #expect(try queue.read(dst, count: dst.count) == expected)
    }

    @Test(arguments: views)
    func axpyMatrix(_ v: HostView) throws {
        let queue = try TestDevice.queue()
        let y = HostView(offset: 1, rows: v.rows, cols: v.cols, ld: v.cols + 2)
        let xs = testValues(v.extent, seed: 4)
        var expected = testValues(y.extent + 2, seed: 5)
        let xBuffer = try upload(xs, queue), yBuffer = try upload(expected, queue)
        let alpha: Float = -0.75
        try queue.enqueue(AxpyMatrix(alpha: alpha, x: xBuffer, xOff: Int32(v.offset), xLd: Int32(v.ld), y: yBuffer, yOff: Int32(y.offset), yLd: Int32(y.ld), rows: Int32(v.rows), cols: Int32(v.cols)))
        for r in 0..<v.rows { for c in 0..<v.cols { expected[y.index(r, c)] = expected[y.index(r, c)].addingProduct(alpha, xs[v.index(r, c)]) } }
        let result = try queue.read(yBuffer, count: yBuffer.count)
        // The kernel uses fma too; allow one rounding of difference where a device fuses differently.
        for i in expected.indices { #expect(abs(result[i] - expected[i]) <= 2e-7 * max(1, abs(expected[i])), "element \(i)") }
    }

    @Test(arguments: views, [false, true])
    func sumRows(_ v: HostView, accumulate: Bool) throws {
        let queue = try TestDevice.queue()
        let source = testValues(v.extent + 4, seed: 6)
        let dstOffset = 3
        var expected = testValues(dstOffset + v.cols + 2, seed: 7)
        let src = try upload(source, queue), dst = try upload(expected, queue)
        try queue.enqueue(SumRows(src: src, off: Int32(v.offset), rows: Int32(v.rows), cols: Int32(v.cols), ld: Int32(v.ld), dst: dst, dstOff: Int32(dstOffset), accumulate: accumulate ? 1 : 0))
        for c in 0..<v.cols {
            var sum: Float = accumulate ? expected[dstOffset + c] : 0
            for r in 0..<v.rows { sum += source[v.index(r, c)] }   // in row order, as the kernel sums
            expected[dstOffset + c] = sum
        }
        let result = try queue.read(dst, count: dst.count)
        for i in expected.indices { #expect(abs(result[i] - expected[i]) <= 1e-6 * max(1, abs(expected[i])), "element \(i)") }
    }

    @Test func sumOfNoRowsIsZeroOrTheOldValue() throws {
        let queue = try TestDevice.queue()
        let dst = try upload([1, 2, 3, 4], queue)
        let src = try Buffer(context: queue.context, count: 0)
        try queue.enqueue(SumRows(src: src, off: 0, rows: 0, cols: 4, ld: 4, dst: dst, dstOff: 0, accumulate: 1))
        #expect(try queue.read(dst, count: 4) == [1, 2, 3, 4])
        try queue.enqueue(SumRows(src: src, off: 0, rows: 0, cols: 4, ld: 4, dst: dst, dstOff: 0, accumulate: 0))
        #expect(try queue.read(dst, count: 4) == [0, 0, 0, 0])
    }

    @Test func emptyViewsLaunchNothing() throws {
        let queue = try TestDevice.queue()
        let buffer = try upload([5, 6], queue)
        try queue.enqueue(FillMatrix(dst: buffer, off: 0, rows: 0, cols: 2, ld: 2, value: 0))
        try queue.enqueue(FillMatrix(dst: buffer, off: 0, rows: 1, cols: 0, ld: 2, value: 0))
        #expect(try queue.read(buffer, count: 2) == [5, 6])
    }
}

/// The transfers the kernels' tests rely on: ranges, fill and copy.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct Transfers {
    @Test func writeReadFillAndCopyRanges() throws {
        let queue = try TestDevice.queue()
        let a = try Buffer(context: queue.context, count: 10)
        try queue.fill(a, with: Float(0))
        try queue.write([1, 2, 3] as [Float], to: a, offset: 4)
        #expect(try queue.read(a, count: 10) == [0, 0, 0, 0, 1, 2, 3, 0, 0, 0])
        try queue.fill(a, with: Float(9), offset: 8, count: 2)
        let b = try Buffer(context: queue.context, count: 5)
        try queue.copy(from: a, offset: 4, to: b, offset: 1, count: 4)
        try queue.fill(b, with: Float(-1), count: 1)
        #expect(try queue.read(b, count: 5) == [-1, 1, 2, 3, 0])
        #expect(try queue.read(a, offset: 7, count: 3) == [0, 9, 9])
        try queue.write([7, -7] as [Int32], to: b, offset: 3)
        #expect(try queue.read(b, offset: 3, count: 2, as: Int32.self) == [7, -7])
    }

    @Test func outOfRangeTransfersAreRejected() throws {
        let queue = try TestDevice.queue()
        let a = try Buffer(context: queue.context, count: 4)
        let attempts = [
            thrownError { () throws(OpenCLError) in try queue.write([1, 2, 3] as [Float], to: a, offset: 2) },
            thrownError { () throws(OpenCLError) in _ = try queue.read(a, offset: 3, count: 2) },
            thrownError { () throws(OpenCLError) in try queue.fill(a, with: Float(1), offset: -1, count: 2) },
        ]
        for error in attempts {
            guard case .invalidArgument = error else { Issue.record("expected invalidArgument, got \(String(describing: error))"); continue }
        }
    }
}
