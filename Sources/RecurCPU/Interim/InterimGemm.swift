// INTERIM: replaced by GEMM/ (packed SIMD GEMM and the spinning pool) when it lands.
import Foundation

public final class ThreadPool: @unchecked Sendable {
    public static let shared = ThreadPool(threads: 1)
    public let threadCount: Int
    public init(threads: Int) { threadCount = threads }
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) { for i in 0..<count { body(i) } }
}

public enum CPUGemm {
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                             pool: ThreadPool = .shared) {
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k {
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j])
                }
                c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }
}
