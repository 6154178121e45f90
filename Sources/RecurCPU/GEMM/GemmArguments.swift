import Recur

/// The checks of `CPUGemm.sgemm`'s public forms, with messages that say which argument is wrong
/// and what it should be: a caller's mistake there would otherwise read or write outside its
/// memory (release builds compile RecurCPU with -Ounchecked, where preconditions do not run).
struct GemmArguments {
    /// The three matrices as stored: rows x cols with a leading dimension.
    enum Operand: String {
        case a = "A", b = "B", c = "C"
    }

    let stored: [Operand: (rows: Int, cols: Int, ld: Int)]

    init(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int,
         kernels: CPUKernels) throws(RecurError) {
        guard m >= 0, n >= 0, k >= 0 else {
            throw .invalidValue("sgemm: m, n and k must be 0 or more, got m \(m), n \(n), k \(k)")
        }
        guard CPUKernels.supported.contains(kernels) else {
            throw .invalidValue("sgemm: this CPU cannot run the \(kernels.rawValue) kernels; it supports "
                                + CPUKernels.supported.map(\.rawValue).joined(separator: ", "))
        }
        stored = [
            .a: transA ? (k, m, lda) : (m, k, lda),
            .b: transB ? (n, k, ldb) : (k, n, ldb),
            .c: (m, n, ldc),
        ]
        let names: [Operand: String] = [.a: "lda", .b: "ldb", .c: "ldc"]
        let transposed: [Operand: Bool] = [.a: transA, .b: transB, .c: false]
        for operand in [Operand.a, .b, .c] {
            let (rows, cols, ld) = stored[operand]!
            // A leading dimension matters only between stored rows; a one-row view may carry any.
            guard rows <= 1 || ld >= cols else {
                let form = transposed[operand]! ? "stored transposed as" : "stored as"
                throw .invalidValue("sgemm: \(names[operand]!) is \(ld), but \(operand.rawValue) is \(form) \(rows) x \(cols): "
                                    + "\(names[operand]!) must be at least \(cols), its row length")
            }
            _ = try Self.extent(rows: rows, cols: cols, ld: ld, operand: operand)
        }
    }

    /// The elements a stored matrix spans: (rows - 1) * ld + cols, 0 when it has none.
    static func extent(rows: Int, cols: Int, ld: Int, operand: Operand) throws(RecurError) -> Int {
        if rows == 0 || cols == 0 { return 0 }
        let (product, overflow) = (rows - 1).multipliedReportingOverflow(by: max(ld, 0))
        let (sum, overflowSum) = product.addingReportingOverflow(cols)
        guard !overflow, !overflowSum else {
            throw .sizeOverflow(what: "sgemm: \(operand.rawValue)'s extent (rows - 1) * ld + cols", values: [rows, ld, cols])
        }
        return sum
    }

    /// Throws unless `count` elements hold `operand`.
    func check(_ count: Int, holds operand: Operand) throws(RecurError) {
        let (rows, cols, ld) = stored[operand]!
        let needed = try Self.extent(rows: rows, cols: cols, ld: ld, operand: operand)
        guard count >= needed else {
            throw .invalidValue("sgemm: \(operand.rawValue)'s buffer holds \(count) elements; \(rows) x \(cols) "
                                + "with leading dimension \(ld) needs \(needed)")
        }
    }
}
