import CMPI

/// The ranks of an MPI job (MPI_COMM_WORLD) and the collectives data-parallel training needs. MPI
/// is initialised on the first `world()` and finalised by `finalize()`; every call comes from the
/// thread that initialised it (MPI_THREAD_FUNNELED). Errors are returned, not fatal
/// (MPI_ERRORS_RETURN), and thrown as `DistributedError`. A rank that fails exits without
/// finalising: mpirun then stops the others (Open MPI's default), so no rank waits forever in a collective.
///
/// `@unchecked Sendable`: immutable after `world()`; MPI itself serialises the calls.
public final class Communicator: @unchecked Sendable {
    /// This process's rank, 0 ..< size.
    public let rank: Int
    /// The ranks in the job.
    public let size: Int
    let handle: MPI_Comm

    nonisolated(unsafe) private static var shared: Communicator?
    nonisolated(unsafe) private static var finalized = false

    private init(handle: MPI_Comm) throws(DistributedError) {
        self.handle = handle
        try DistributedError.check(MPI_Comm_set_errhandler(handle, recur_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try DistributedError.check(MPI_Comm_rank(handle, &rank), "MPI_Comm_rank")
        try DistributedError.check(MPI_Comm_size(handle, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Every rank of the job, MPI initialised on the first call. A process started without mpirun
    /// is a job of one rank. After `finalize()` MPI cannot start again: an error.
    public static func world() throws(DistributedError) -> Communicator {
        guard !finalized else { throw .invalidRequest("MPI was finalised in this process; it cannot be started again") }
        if let shared { return shared }
        var provided: Int32 = 0
        try DistributedError.check(MPI_Init_thread(nil, nil, recur_mpi_thread_funneled(), &provided), "MPI_Init_thread")
        let world = try Communicator(handle: recur_mpi_comm_world())
        shared = world
        return world
    }

    /// Ends MPI in this process (after the last collective); `world()` cannot be called again.
    /// Calling it again, or without `world()`, does nothing.
    public static func finalize() throws(DistributedError) {
        guard shared != nil, !finalized else { return }
        finalized = true
        try DistributedError.check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Waits until every rank has called it.
    public func barrier() throws(DistributedError) {
        try DistributedError.check(MPI_Barrier(handle), "MPI_Barrier")
    }

    /// Sets `values` on every rank to those of rank `root`; every rank passes the same count.
    public func broadcast(_ values: inout [Float], root: Int = 0) throws(DistributedError) {
        try forChunks(of: &values) { (pointer, count) throws(DistributedError) in
            try DistributedError.check(MPI_Bcast(pointer, count, recur_mpi_float(), Int32(root), handle), "MPI_Bcast")
        }
    }

    /// Replaces `values` on every rank with their elementwise sum over the ranks.
    public func allReduceSum(_ values: inout [Float]) throws(DistributedError) {
        try values.withUnsafeMutableBufferPointer { (buffer) throws(DistributedError) in try allReduceSum(buffer) }
    }

    /// `allReduceSum` in place on memory the caller owns (a backend's `HostStaging`).
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        try forChunks(of: values) { (pointer, count) throws(DistributedError) in
            try DistributedError.check(
                MPI_Allreduce(recur_mpi_in_place(), pointer, count, recur_mpi_float(), recur_mpi_sum(), handle), "MPI_Allreduce")
        }
    }

    /// The reductions of one value over the ranks.
    public enum Reduction: Sendable { case sum, minimum, maximum }

    /// `value` reduced over every rank.
    public func allReduce(_ value: Double, _ reduction: Reduction) throws(DistributedError) -> Double {
        var input = value, output = 0.0
        try DistributedError.check(MPI_Allreduce(&input, &output, 1, recur_mpi_double(), operation(reduction), handle), "MPI_Allreduce")
        return output
    }

    /// `value` reduced over every rank.
    public func allReduce(_ value: UInt64, _ reduction: Reduction) throws(DistributedError) -> UInt64 {
        var input = value, output: UInt64 = 0
        try DistributedError.check(MPI_Allreduce(&input, &output, 1, recur_mpi_uint64(), operation(reduction), handle), "MPI_Allreduce")
        return output
    }

    private func operation(_ reduction: Reduction) -> MPI_Op {
        switch reduction {
        case .sum: recur_mpi_sum()
        case .minimum: recur_mpi_min()
        case .maximum: recur_mpi_max()
        }
    }

    /// MPI counts are Int32: a longer buffer goes in chunks of 2^30 elements.
    private func forChunks(of values: inout [Float],
                           _ body: (UnsafeMutableRawPointer, Int32) throws(DistributedError) -> Void) throws(DistributedError) {
        try values.withUnsafeMutableBufferPointer { (buffer) throws(DistributedError) in try forChunks(of: buffer, body) }
    }

    private func forChunks(of buffer: UnsafeMutableBufferPointer<Float>,
                           _ body: (UnsafeMutableRawPointer, Int32) throws(DistributedError) -> Void) throws(DistributedError) {
        let chunk = 1 << 30
        guard let base = buffer.baseAddress else { return }
        var start = 0
        while start < buffer.count {
            let count = min(chunk, buffer.count - start)
            try body(UnsafeMutableRawPointer(base + start), Int32(count))
            start += count
        }
    }
}
