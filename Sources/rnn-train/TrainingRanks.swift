import Foundation
import Recur
import RecurDistributed
import RecurOpenCL

/// rnn-train's ranks when mpirun starts it (data parallelism, RecurDistributed): each rank reads
/// its own streams of the global batch (`--batch` is the whole batch, split evenly), the gradients
/// are averaged after every backward, and rank 0 alone prints, validates, samples and writes the
/// checkpoint and history. The carried state in a checkpoint is the whole batch's, so a run
/// resumes with any number of ranks.
///
/// Every decision that ends or shapes a step (the time limit, a signal, which rows are logged) is
/// the same on every rank, agreed through a reduction, so that no rank waits in a collective the
/// others have left.
struct TrainingRanks {
    let world: Communicator
    let parallel: DataParallel

    /// The ranks of the job mpirun started, or nil for a process started alone (Open MPI's
    /// OMPI_COMM_WORLD_SIZE or the PMI's PMI_SIZE: MPI is not initialised without them).
    static func fromLauncher(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TrainingRanks? {
        guard let size = environment["OMPI_COMM_WORLD_SIZE"] ?? environment["PMI_SIZE"], Int(size) != nil else { return nil }
        let world = try Communicator.world()
        return TrainingRanks(world: world, parallel: DataParallel(communicator: world))
    }

    /// Ends MPI after a run that every rank finished (nothing when MPI was not started).
    static func finish() throws { try Communicator.finalize() }

    /// The OpenCL device of this rank under `--backend opencl` when --device names none: rank
    /// modulo the devices' count (one device each on a machine with as many as ranks); nil for the
    /// other choices (`auto` keeps its own choice: a device named would be a request).
    func deviceForRank(_ backend: BackendChoice) -> String? {
        guard backend == .opencl, let count = try? DeviceSelection.allDevices().count, count > 0 else { return nil }
        return String(rank % count)
    }

    var rank: Int { world.rank }
    var size: Int { world.size }
    var isLeader: Bool { world.rank == 0 }

    /// This rank's streams of a batch of `batch`; throws when it does not split evenly.
    func streams(ofBatch batch: Int) throws -> Range<Int> {
        guard batch % size == 0 else {
            throw RNNTrainFailure("--batch \(batch) does not split evenly between \(size) ranks: give a multiple of \(size)")
        }
        let share = batch / size
        return (rank * share)..<((rank + 1) * share)
    }

    /// This rank's columns of (T, B) time-major values.
    static func columns<Value>(_ values: [Value], batch: Int, streams: Range<Int>) -> [Value] {
        stride(from: 0, to: values.count, by: batch).flatMap { start in streams.map { values[start + $0] } }
    }

    /// This rank's rows of a state laid out (L*D, B, width).
    static func rows(of state: [Float], batch: Int, width: Int, streams: Range<Int>) -> [Float] {
        let layers = state.count / (batch * width)
        var rows: [Float] = []
        rows.reserveCapacity(layers * streams.count * width)
        for layer in 0..<layers {
            for stream in streams {
                let start = (layer * batch + stream) * width
                rows += state[start..<(start + width)]
            }
        }
        return rows
    }

    /// The whole batch's state from every rank's rows of it (a sum of zero-padded copies: each
    /// entry comes from one rank), on every rank.
    func gather(_ local: [Float], batch: Int, width: Int, streams: Range<Int>) throws -> [Float] {
        let layers = local.count / (streams.count * width)
        var whole = [Float](repeating: 0, count: layers * batch * width)
        for layer in 0..<layers {
            for (index, stream) in streams.enumerated() {
                let from = (layer * streams.count + index) * width, to = (layer * batch + stream) * width
                whole.replaceSubrange(to..<(to + width), with: local[from..<(from + width)])
            }
        }
        try world.allReduceSum(&whole)
        return whole
    }

    /// Whether any rank says so.
    func any(_ flag: Bool) throws -> Bool { try world.allReduce(flag ? 1 : 0, .maximum) > 0 }

    /// The largest of the ranks' values.
    func maximum(_ value: Int32) throws -> Int32 { Int32(try world.allReduce(Double(value), .maximum)) }

    /// The mean over the ranks (each rank's loss is its shard's mean, the shards are of equal size).
    func mean(_ value: Double) throws -> Double { try world.allReduce(value, .sum) / Double(size) }
}
