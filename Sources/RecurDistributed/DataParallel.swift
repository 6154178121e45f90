import Foundation
import Recur

/// Data-parallel training over MPI (PyTorch's DistributedDataParallel, Horovod): every rank holds
/// the whole model and trains on its own shard of each batch; after every backward the gradients
/// of all parameters are averaged over the ranks, so that clipping sees the global norm and every
/// rank applies the same update to the same parameters.
///
/// With a loss that is the mean over each rank's shard and shards of equal size, the average of
/// the ranks' gradients is the gradient of the mean over the whole batch: N ranks on B/N rows each
/// compute what one rank computes on B rows, up to float rounding.
///
/// The gradients travel in one packed buffer per backend (one all-reduce of every block's flat
/// gradients, padding included, not one per tensor), held in host memory the backend owns.
public final class DataParallel: GradientReduction {
    /// The ranks.
    public let communicator: Communicator
    /// What the all-reduces cost so far.
    public private(set) var statistics = Statistics()

    /// The reductions' counts and times, for rnn-bench.
    public struct Statistics: Sendable {
        /// All-reduces run (one per step).
        public var reductions = 0
        /// Bytes each reduction sent in (the packed gradients of one rank).
        public var bytesPerReduction = 0
        /// Seconds spent in MPI_Allreduce, summed.
        public var allReduceSeconds = 0.0
        /// Seconds spent reading the gradients back and writing them again, summed.
        public var stagingSeconds = 0.0
    }

    /// Starts the statistics over (after warm-up steps).
    public func resetStatistics() { statistics = Statistics() }

    /// Gradient averaging over `communicator`'s ranks.
    public init(communicator: Communicator) {
        self.communicator = communicator
    }

    /// Sets every rank's parameters to rank 0's (call once, after building the model, before the
    /// first step; the optimizers' state starts at zero everywhere).
    public func broadcastParameters(_ blocks: [any ParameterBlock]) throws {
        var packed = try pack(blocks, \.parameters)
        try communicator.broadcast(&packed, root: 0)
        try unpack(packed, into: blocks, \.parameters)
        for block in blocks { block.parametersChanged() }
    }

    /// `GradientReduction`: each gradient replaced by its mean over the ranks.
    ///
    /// Each backend's blocks are read into one `HostStaging` of that backend (pinned memory on
    /// OpenCL) by queued transfers, after one wait, reduced there in place, and written back by
    /// queued transfers that the optimizer's update follows on the same queue: the step's one wait
    /// is the one before the all-reduce.
    public func reduceGradients(_ blocks: [any ParameterBlock]) throws {
        let clock = ContinuousClock()
        let groups = try stagingGroups(for: blocks)
        // The backward finished first, so that staging times the transfers, not the backward's tail.
        for group in groups { try group.backend.synchronize() }
        let start = clock.now
        for group in groups {
            var index = 0
            for block in group.blocks {
                let count = block.parameterLayout.totalCount
                try group.backend.enqueueRead(block.gradients, offset: 0, count: count, into: group.staging, at: index)
                index += count
            }
        }
        for group in groups { try group.backend.synchronize() }
        let stagedAt = clock.now
        let scale = 1 / Float(communicator.size)
        var bytes = 0
        for group in groups {
            let values = UnsafeMutableBufferPointer(rebasing: group.staging.values[0..<group.count])
            try communicator.allReduceSum(values)
            for index in values.indices { values[index] *= scale }
            bytes += group.count * MemoryLayout<Float>.size
        }
        let reducedAt = clock.now
        for group in groups {
            var index = 0
            for block in group.blocks {
                let count = block.parameterLayout.totalCount
                try group.backend.enqueueWrite(from: group.staging, at: index, count: count, to: block.gradients, offset: 0)
                index += count
            }
        }
        statistics.reductions += 1
        statistics.bytesPerReduction = bytes
        statistics.allReduceSeconds += (reducedAt - stagedAt).seconds
        statistics.stagingSeconds += (stagedAt - start).seconds + (clock.now - reducedAt).seconds
    }

    /// One backend's blocks, in the model's order, and the host memory their gradients go through.
    private struct StagingGroup {
        let backend: any Backend
        var blocks: [any ParameterBlock]
        var count: Int
        var staging: any HostStaging
    }

    /// The groups for `blocks`, made on the first step and again only when the blocks change.
    private var groups: [StagingGroup] = []
    private var groupedBlocks: [ObjectIdentifier] = []

    private func stagingGroups(for blocks: [any ParameterBlock]) throws -> [StagingGroup] {
        let identities = blocks.map { ObjectIdentifier($0) }
        if identities == groupedBlocks { return groups }
        var grouped: [(backend: any Backend, blocks: [any ParameterBlock])] = []
        for block in blocks {
            if let index = grouped.firstIndex(where: { $0.backend === block.backend }) {
                grouped[index].blocks.append(block)
            } else {
                grouped.append((block.backend, [block]))
            }
        }
        groups = try grouped.map { backend, blocks in
            let count = blocks.reduce(0) { $0 + $1.parameterLayout.totalCount }
            return StagingGroup(backend: backend, blocks: blocks, count: count, staging: try backend.makeHostStaging(count: count))
        }
        groupedBlocks = identities
        return groups
    }

    /// Whether every rank's parameters are bit for bit those of every other (a 64-bit FNV-1a hash
    /// of their bits, compared by its minimum and maximum over the ranks).
    public func parametersIdentical(_ blocks: [any ParameterBlock]) throws -> Bool {
        let hash = Self.fingerprint(try pack(blocks, \.parameters))
        let low = try communicator.allReduce(hash, .minimum), high = try communicator.allReduce(hash, .maximum)
        return low == high
    }

    /// FNV-1a over the values' bit patterns.
    static func fingerprint(_ values: [Float]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values {
            var bits = value.bitPattern
            for _ in 0..<4 {
                hash = (hash ^ UInt64(bits & 0xff)) &* 0x100_0000_01b3
                bits >>= 8
            }
        }
        return hash
    }

    private func pack(_ blocks: [any ParameterBlock], _ buffer: (any ParameterBlock) -> any DeviceBuffer) throws -> [Float] {
        var packed: [Float] = []
        packed.reserveCapacity(blocks.reduce(0) { $0 + $1.parameterLayout.totalCount })
        for block in blocks {
            packed += try block.backend.download(buffer(block), offset: 0, count: block.parameterLayout.totalCount)
        }
        return packed
    }

    private func unpack(_ packed: [Float], into blocks: [any ParameterBlock], _ buffer: (any ParameterBlock) -> any DeviceBuffer) throws {
        var offset = 0
        for block in blocks {
            let count = block.parameterLayout.totalCount
            try block.backend.upload(Array(packed[offset..<(offset + count)]), to: buffer(block), offset: 0)
            offset += count
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
