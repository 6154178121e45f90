@testable import RecurOpenCL

/// One example of every launch struct, so the signature test covers every kernel: a kernel
/// without an entry here fails `KernelSignatures`. Add an entry with each new launch struct.
/// The values only have to be well-formed; the examples are checked, never run.
enum LaunchExamples {
    static func all(_ b: Buffer) -> [any KernelLaunch] {
        [
            FillMatrix(dst: b, off: 0, rows: 2, cols: 3, ld: 3, value: 1),
            CopyMatrix(src: b, srcOff: 0, srcLd: 3, dst: b, dstOff: 6, dstLd: 3, rows: 2, cols: 3),
            AxpyMatrix(alpha: 1, x: b, xOff: 0, xLd: 3, y: b, yOff: 6, yLd: 3, rows: 2, cols: 3),
            SumRows(src: b, off: 0, rows: 2, cols: 3, ld: 3, dst: b, dstOff: 6, accumulate: 0),
        ]
    }
}
