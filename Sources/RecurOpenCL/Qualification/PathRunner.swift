import Recur

/// How the self-test runs a path's work: on the device (`DevicePathRunner`), or, in tests, a
/// double that gets one path wrong on purpose to show it is never chosen.
protocol PathRunner: Sendable {
    /// The results of `testCase` (`SelfTestCase.results`) with `path` forced.
    func results(of testCase: SelfTestCase, on path: DevicePath) throws -> [String: [Float]]
    /// C of `problem` through `path`'s GEMM.
    func gemm(_ problem: GEMMProblem, on path: DevicePath) throws -> [Float]
}

/// Runs each path on a backend of the device forced to it (and to nothing else: the whole-sequence
/// cases run in one part unless the path is a kind of parts).
struct DevicePathRunner: PathRunner {
    let device: Device

    func results(of testCase: SelfTestCase, on path: DevicePath) throws -> [String: [Float]] {
        try testCase.results(on: backend(for: path))
    }

    func gemm(_ problem: GEMMProblem, on path: DevicePath) throws -> [Float] {
        try problem.run(on: backend(for: path))
    }

    func backend(for path: DevicePath) throws -> OpenCLBackend {
        let loop: OpenCLBackend.SequenceLoop
        var tuning = GEMMTuning.defaults(for: device.kind)
        var unitParts = 1
        switch path {
        case .tiledGEMM: (loop, tuning) = (.perStep, GEMMTuning.tiled(for: device))
        case .packedGEMM: (loop, tuning) = (.perStep, GEMMTuning(packed: true))
        case .fused: loop = .fused
        case .perStep: loop = .perStep
        case .wholeSequence, .rowParts: (loop, tuning) = (.sequence, GEMMTuning(packed: true))
        case .unitParts:
            (loop, tuning) = (.sequence, GEMMTuning(packed: true))
            unitParts = max(2, device.computeUnits)
        }
        return try OpenCLBackend(device: device, tuning: tuning, source: .explicit, sequenceLoop: loop,
                                 unitParts: unitParts, qualification: .untested(device))
    }
}

/// One GEMM of the self-test: C = alpha op(A) op(B) + beta C on odd sizes (no multiple of a tile
/// or vector width), against a host loop in double precision.
struct GEMMProblem: Sendable, CustomStringConvertible {
    let m, n, k: Int
    let transA, transB: Bool
    let alpha: Float = 0.75, beta: Float = 0.5

    static let selfTest: [GEMMProblem] = [
        GEMMProblem(m: 37, n: 29, k: 41, transA: false, transB: false),
        GEMMProblem(m: 19, n: 70, k: 33, transA: false, transB: true),
        GEMMProblem(m: 23, n: 17, k: 45, transA: true, transB: false),
        GEMMProblem(m: 9, n: 51, k: 13, transA: true, transB: true),
        // A long inner loop, as a weight gradient over many steps has (K = T * B): llvmpipe
        // stopped the tiled kernel's loop early on lstm-medium's 2048x512x3200 (rnn-bench tune).
        GEMMProblem(m: 13, n: 11, k: 4099, transA: true, transB: false),
    ]

    var description: String { "GEMM \(m)x\(n)x\(k)\(transA ? " A^T" : "")\(transB ? " B^T" : "")" }

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.uniform(-1, 1) }
    }
    var a: [Float] { values(m * k, seed: 1) }   // (m, k), or (k, m) when transposed
    var b: [Float] { values(k * n, seed: 2) }   // (k, n), or (n, k) when transposed
    var c: [Float] { values(m * n, seed: 3) }   // (m, n)

    func reference() -> [Float] {
        let a = a, b = b, c = c
        return (0..<(m * n)).map { index in
            let i = index / n, j = index % n
            var sum = 0.0
            for p in 0..<k {
                let x = transA ? a[p * m + i] : a[i * k + p]
                let y = transB ? b[j * k + p] : b[p * n + j]
                sum += Double(x) * Double(y)
            }
            return Float(Double(alpha) * sum + Double(beta) * Double(c[index]))
        }
    }

    func run(on backend: any Backend) throws -> [Float] {
        let a = Matrix(try backend.tensor(self.a, shape: [m * k]).buffer, rows: transA ? k : m, cols: transA ? m : k)
        let b = Matrix(try backend.tensor(self.b, shape: [k * n]).buffer, rows: transB ? n : k, cols: transB ? k : n)
        let c = try backend.tensor(self.c, shape: [m * n])
        try backend.gemm(transA: transA, transB: transB, alpha: alpha, a, b, beta: beta, Matrix(c.buffer, rows: m, cols: n))
        return try backend.array(c)
    }
}
