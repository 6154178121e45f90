import Recur

/// What every cell step needs per batch row: whether the row's sequence is still running at this
/// time step. Rows past their length carry their state forward (and their gradient backward).
struct RowMask {
    let lengths: UnsafeMutablePointer<Int32>?
    let time: Int32

    init(_ lengths: (any DeviceBuffer)?, time: Int) {
        self.lengths = lengths.map { unsafeDowncast($0, to: CPUBuffer.self).ints }
        self.time = Int32(time)
    }

    @inline(__always)
    func isValid(_ row: Int) -> Bool {
        guard let lengths else { return true }
        return time < lengths[row]
    }
}

extension Optional where Wrapped == Matrix {
    /// Row r of an optional view, or nil.
    @inline(__always)
    func row(_ r: Int) -> UnsafeMutablePointer<Float>? {
        guard let m = self else { return nil }
        return m.base + r * m.ld
    }
}

extension Matrix {
    @inline(__always)
    func row(_ r: Int) -> UnsafeMutablePointer<Float> { base + r * ld }
}

extension ThreadPool {
    /// Runs `body` over the rows of a batch, in contiguous chunks, one per thread; a small
    /// batch or hidden size runs on the calling thread (waking a worker costs more than it saves).
    func forEachRow(_ rows: Int, width: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(threadCount, rows)
        if threads <= 1 || rows * width < 4096 {
            body(0..<rows)
            return
        }
        parallelFor(threads) { chunk in
            let start = rows * chunk / threads, end = rows * (chunk + 1) / threads
            body(start..<end)
        }
    }
}
