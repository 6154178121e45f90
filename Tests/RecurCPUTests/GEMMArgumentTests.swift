import Recur
import RecurCPU
import Testing

/// `CPUGemm.sgemm`'s public forms refuse arguments that would read or write outside the caller's
/// memory with a `RecurError` saying which, before touching anything (C is left as it was).
@Suite struct GEMMArgumentTests {
    /// A 2 x 3 times 3 x 2 product into 2 x 2, with `change` applied to the arguments.
    struct Call: CustomStringConvertible, Sendable {
        var m = 2, n = 2, k = 3, lda = 3, ldb = 2, ldc = 2
        var transA = false, transB = false
        var aCount = 6, bCount = 6, cCount = 4
        var kernels = CPUKernels.avx2
        let description: String

        init(_ description: String, _ change: (inout Call) -> Void = { _ in }) {
            self.description = description
            change(&self)
        }

        /// The buffer form; C (filled with 7) is returned to show it untouched.
        func run() throws(RecurError) -> [Float] {
            let a = [Float](repeating: 1, count: aCount), b = [Float](repeating: 1, count: bCount)
            var c = [Float](repeating: 7, count: cCount)
            let result = a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        Result { () throws(RecurError) in
                            try CPUGemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: ap, lda: lda,
                                              b: bp, ldb: ldb, beta: 0, c: cp, ldc: ldc, kernels: kernels)
                        }
                    }
                }
            }
            try result.get()
            return c
        }
    }

    @Test func aValidCallRuns() throws {
        #expect(try Call("valid").run() == [3, 3, 3, 3])
    }

    static let bad: [(Call, String)] = [
        (Call("negative m") { $0.m = -1 }, "m, n and k must be 0 or more"),
        (Call("negative k") { $0.k = -2 }, "got m 2, n 2, k -2"),
        (Call("short lda") { $0.lda = 2 }, "lda is 2, but A is stored as 2 x 3: lda must be at least 3"),
        (Call("short ldb, B transposed") { $0.transB = true; $0.ldb = 2 }, "ldb is 2, but B is stored transposed as 2 x 3"),
        (Call("short ldc") { $0.ldc = 1 }, "ldc must be at least 2"),
        (Call("A's buffer too small") { $0.aCount = 5 }, "A's buffer holds 5 elements; 2 x 3 with leading dimension 3 needs 6"),
        (Call("B's buffer too small") { $0.bCount = 4 }, "B's buffer holds 4 elements"),
        (Call("C's buffer too small, padded rows") { $0.ldc = 4; $0.cCount = 5 }, "C's buffer holds 5 elements; 2 x 2 with leading dimension 4 needs 6"),
    ]

    @Test("a bad call throws, naming the argument", arguments: bad)
    func badCall(_ call: Call, message: String) {
        let error = #expect(throws: RecurError.self) { _ = try call.run() }
        #expect(error?.description.contains(message) == true, "\(call): \(error.map(String.init(describing:)) ?? "nothing thrown")")
    }

    @Test func anExtentBeyondIntIsAnOverflow() {
        let call = Call("huge") { $0.m = Int.max / 2; $0.ldc = Int.max / 2 }
        #expect(throws: RecurError.self) { _ = try call.run() }
        do {
            _ = try call.run()
        } catch {
            guard case .sizeOverflow = error else { Issue.record("\(error)"); return }
        }
    }

    @Test(.enabled(if: !CPUKernels.supported.contains(.avx512), "this CPU runs the 512-bit kernels"))
    func kernelsThisCPUCannotRun() {
        let error = #expect(throws: RecurError.self) { _ = try Call("avx512") { $0.kernels = .avx512 }.run() }
        #expect(error?.description.contains("cannot run the avx512 kernels") == true)
    }

    /// The pointer form checks all but the memory.
    @Test func thePointerFormChecksTheShape() {
        let a = [Float](repeating: 1, count: 6), b = [Float](repeating: 1, count: 6)
        var c = [Float](repeating: 7, count: 4)
        let error = #expect(throws: RecurError.self) {
            try CPUGemm.sgemm(transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1, a: a, lda: 2, b: b, ldb: 2,
                              beta: 0, c: &c, ldc: 2)
        }
        #expect(error?.description.contains("lda is 2") == true, "\(String(describing: error))")
        #expect(c == [7, 7, 7, 7])
    }
}
