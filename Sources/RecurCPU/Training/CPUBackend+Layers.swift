import Recur

/// Embedding, bias and dropout on the CPU, each forward beside its backward.
extension CPUBackend {
    /// Embedding forward: out[r] = table[indices[r]]. table (V, E), indices (N), out (N, E).
    public func gatherRows(_ table: Matrix, indices: any DeviceBuffer, into out: Matrix) throws {
        profiled("gatherRows") {
            let rows = unsafeDowncast(indices, to: CPUBuffer.self).ints
            for r in 0..<out.rows {
                out.row(r).update(from: table.row(Int(rows[r])), count: out.cols)
            }
        }
    }

    /// Embedding backward: table[indices[r]] += src[r], in row order (repeated indices add up).
    public func scatterAddRows(_ src: Matrix, indices: any DeviceBuffer, into table: Matrix) throws {
        profiled("scatterAddRows") {
            let rows = unsafeDowncast(indices, to: CPUBuffer.self).ints
            for r in 0..<src.rows {
                let from = src.row(r), to = table.row(Int(rows[r]))
                for c in 0..<src.cols { to[c] += from[c] }
            }
        }
    }

    /// m[r, :] += vector (Linear's bias); its backward is `sumRows`.
    public func addRowVector(_ vector: Matrix, to m: Matrix) throws {
        profiled("addRowVector") {
            let v = vector.row(0)
            for r in 0..<m.rows {
                let row = m.row(r)
                for c in 0..<m.cols { row[c] += v[c] }
            }
        }
    }

    /// Inverted dropout with the shared mask (`DropoutMask`); the same call is its own backward.
    public func dropout(_ src: Matrix, into dst: Matrix, probability: Float, seed: UInt32) throws {
        profiled("dropout") {
            let threshold = DropoutMask.threshold(probability: probability)
            let scale = 1 / (1 - probability)
            for r in 0..<src.rows {
                let from = src.row(r), to = dst.row(r)
                for c in 0..<src.cols {
                    let index = UInt32(truncatingIfNeeded: r * src.cols + c)
                    to[c] = DropoutMask.hash(seed: seed, index: index) >= threshold ? from[c] * scale : 0
                }
            }
        }
    }
}
