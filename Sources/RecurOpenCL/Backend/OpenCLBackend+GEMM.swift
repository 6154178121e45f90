import Recur

/// GEMM dispatch. On CPU devices (POCL) op(B) is packed into 16-column panels and each work-item
/// computes an 8 x 32 block (two panels) over the whole K (DESIGN.md, "Fast OpenCL on POCL": 2-4x faster than
/// unpacked); a transposed A is first copied row-major. Both packed forms are cached until their
/// source is written, so the weights are packed once per pass and dGates^T once for the two
/// weight-gradient GEMMs that share it (dW_ih and dW_hh of an LSTM or Elman layer). On GPUs the
/// tiled kernel with local-memory tiles handles every transpose in place.
extension OpenCLBackend {
    /// `Backend.gemm` in OpenCL: the packed kernel over cached panels where `tuning` says packed (POCL), else the
    /// tiled kernel.
    public func gemm(transA: Bool, transB: Bool, alpha: Float, _ a: Matrix, _ b: Matrix, beta: Float, _ c: Matrix) throws {
        let m = transA ? a.cols : a.rows, k = transA ? a.rows : a.cols
        let n = transB ? b.rows : b.cols
        precondition((transB ? b.cols : b.rows) == k && c.rows == m && c.cols == n, "gemm shapes disagree")
        let out = ViewArgument(c)
        packCache.invalidate(out.buffer)
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // C = beta * C: no product to add.
            if beta == 0 { try fill(c, value: 0) } else if beta != 1 { try axpy(alpha: beta - 1, c, c) }
            return
        }
        guard tuning.packed else {
            try queue.enqueue(GEMMTiled(
                m: Int32(m), n: Int32(n), k: Int32(k), transA: transA ? 1 : 0, transB: transB ? 1 : 0, alpha: alpha,
                a: ViewArgument(a), b: ViewArgument(b), beta: beta, c: out, tuning: tuning))
            return
        }
        let packedB = try packB(b, transposed: transB, k: k, n: n)
        let rowMajorA = transA ? ViewArgument(Matrix(try packA(a, m: m, k: k), rows: m, cols: k)) : ViewArgument(a)
        try queue.enqueue(GEMMPacked(
            m: Int32(m), n: Int32(n), k: Int32(k), alpha: alpha, a: rowMajorA, packed: packedB, packedOffset: 0,
            beta: beta, c: out, tuning: tuning))
    }

    /// op(B) in panels: from the cache when this view was packed before and not written since.
    /// With `gates`, op(B)'s columns are gates of `width` columns each, packed padded with zeros
    /// to `stride` columns a gate (`n` = gates * stride); nil packs them as they are.
    func packB(_ b: Matrix, transposed: Bool, k: Int, n: Int, gates: (stride: Int, width: Int)? = nil) throws -> Buffer {
        let source = ViewArgument(b)
        let key = PackCache.Key(b, form: .panels(transposed: transposed, gateStride: gates?.stride ?? 0))
        if let cached = packCache.lookup(source.buffer, key) { return cached }
        let packed = try Buffer(context: context, count: PackBPanels.packedCount(k: k, n: n), recycler: recycler)
        try queue.enqueue(PackBPanels(
            k: Int32(k), n: Int32(n), transB: transposed ? 1 : 0, b: source, packed: packed, packedOffset: 0,
            gates: gates.map { (Int32($0.stride), Int32($0.width)) }))
        packCache.insert(source.buffer, key, packed)
        return packed
    }

    /// A contiguous row-major copy of op(A) (M x K, A stored transposed): from the cache when this
    /// view was copied before and not written since. On POCL the copy of an LSTM's dGates^T
    /// (2048 x 3200 on lstm-medium) took 4-10 ms, and the weight gradients used it twice.
    private func packA(_ a: Matrix, m: Int, k: Int) throws -> Buffer {
        let source = ViewArgument(a)
        let key = PackCache.Key(a, form: .rowsOfTransposed)
        if let cached = packCache.lookup(source.buffer, key) { return cached }
        let rows = try Buffer(context: context, count: m * k, recycler: recycler)
        try queue.enqueue(PackARows(m: Int32(m), k: Int32(k), a: source, out: rows, outOffset: 0))
        packCache.insert(source.buffer, key, rows)
        return rows
    }

}

/// Packed GEMM operands, keyed by their source view and form, dropped as soon as the source buffer
/// is written (every writing operation of the backend calls `invalidate`). The weights are packed
/// once per pass instead of once per time step.
final class PackCache {
    /// What a packed buffer holds of its source view.
    enum Form: Hashable {
        /// op(B) in 16-column panels (pack_b_panels), each gate padded to `gateStride` columns (0: not).
        case panels(transposed: Bool, gateStride: Int)
        /// op(A) row-major, A stored transposed (pack_a_rows).
        case rowsOfTransposed
    }

    struct Key: Hashable {
        let offset, rows, cols, ld: Int
        let form: Form

        init(_ view: Matrix, form: Form) {
            offset = view.offset; rows = view.rows; cols = view.cols; ld = view.ld
            self.form = form
        }
    }

    private struct Entry {
        weak var source: Buffer?
        let key: Key
        let packed: Buffer
    }

    private var entries: [Entry] = []
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func lookup(_ source: Buffer, _ key: Key) -> Buffer? {
        entries.first { $0.source === source && $0.key == key }?.packed
    }

    /// Keeps at most one transposed A: it serves the GEMMs right after its copy (a direction's two
    /// weight gradients). Each direction's gate gradients now sit in its own saved rows, so an
    /// older copy would otherwise stay cached, unused, as long as that forward lives.
    func insert(_ source: Buffer, _ key: Key, _ packed: Buffer) {
        entries.removeAll { $0.source == nil || (key.form == .rowsOfTransposed && $0.key.form == .rowsOfTransposed) }
        if entries.count >= capacity { entries.removeFirst() }
        entries.append(Entry(source: source, key: key, packed: packed))
    }

    func invalidate(_ buffer: Buffer) {
        entries.removeAll { $0.source === buffer || $0.source == nil }
    }
}
