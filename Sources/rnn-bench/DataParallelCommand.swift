import ArgumentParser
import Foundation
import Recur
import RecurCLI
import RecurDistributed
import RecurOpenCL

/// `rnn-bench data-parallel`, run under mpirun: data-parallel training of a small language model on
/// a fixed synthetic batch, sharded by rank. Rank 0 prints each step's loss over the whole batch
/// (the mean of the ranks' shard means), the all-reduce's bytes and time per step beside the
/// step's (means over the steps after the first), and whether the parameters are bit-identical on every rank at the end (exit 1 if not).
/// N ranks print, up to float rounding, the losses one rank prints on the whole batch.
struct DataParallelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data-parallel",
        abstract: "Train data-parallel under mpirun: losses, all-reduce cost, parameters checked identical on every rank.")

    @Option(help: "The backend each rank trains on (cpu or opencl).")
    var backend: BackendChoice = .cpu

    @Option(help: "The OpenCL device (an index or part of a name); default: rank modulo the devices' count.")
    var device: String?

    /// The cells it trains.
    enum Cell: String, CaseIterable, ExpressibleByArgument {
        case lstm, gru, rnnTanh = "rnn-tanh", rnnReLU = "rnn-relu"
        var mode: CellMode {
            switch self {
            case .lstm: .lstm
            case .gru: .gru
            case .rnnTanh: .rnnTanh
            case .rnnReLU: .rnnReLU
            }
        }
    }

    @Option(help: "The cell.")
    var cell: Cell = .lstm

    @Option(help: "Sequences in the whole batch, split evenly between the ranks.")
    var batch: Int = 12

    @Option(name: .customLong("seq-len"), help: "Time steps per sequence.")
    var steps: Int = 16

    @Option(help: "Hidden units per layer.")
    var hidden: Int = 32

    @Option(help: "Recurrent layers.")
    var layers: Int = 2

    /// The optimizers it trains with (the tests take SGD, whose update scales with the gradient:
    /// Adam's hardly does, so a reduction off by a constant factor would pass unseen).
    enum OptimizerChoice: String, CaseIterable, ExpressibleByArgument { case adam, sgd }

    @Option(help: "The optimizer: adam (learning rate 0.01) or sgd (0.5).")
    var optimizer: OptimizerChoice = .adam

    @Option(name: .customLong("steps"), help: "Training steps.")
    var trainingSteps: Int = 20

    @Option(name: .customLong("fail-rank"), help: ArgumentHelp(
        "Fault injection for the tests of failure handling: this rank exits with status 3 before the second step.",
        visibility: .hidden))
    var failRank: Int?

    func validate() throws {
        guard backend != .all else { throw ValidationError("--backend must be cpu or opencl: every rank trains on one") }
        for (name, value) in [("--batch", batch), ("--seq-len", steps), ("--hidden", hidden), ("--layers", layers), ("--steps", trainingSteps)]
            where value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
    }

    func run() throws {
        let world = try Communicator.world()
        defer { try? Communicator.finalize() }
        guard batch % world.size == 0 else {
            throw DistributedError.invalidRequest("--batch \(batch) does not split evenly between \(world.size) ranks")
        }
        let shard = batch / world.size
        let backend = try makeBackend(rank: world.rank)
        let vocabulary = 24
        // Each rank draws its own initial parameters; rank 0's reach every rank by the broadcast.
        let model = try RecurrentModel(.languageModel(vocabularySize: vocabulary, embeddingSize: 16, mode: cell.mode,
                                                      hiddenSize: hidden, numLayers: layers),
                                       backend: backend, seed: UInt64(1 + world.rank))
        let parallel = DataParallel(communicator: world)
        try parallel.broadcastParameters(model.blocks)
        let update: Optimizer.Configuration = optimizer == .adam ? .adam(learningRate: 1e-2) : .sgd(learningRate: 0.5)
        let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(update), clipNorm: 1)
        trainer.gradientReduction = parallel

        var generator = SeededGenerator(seed: 7)
        let clock = ContinuousClock()
        var stepSeconds = 0.0
        for step in 1...trainingSteps {
            if step == 2, world.rank == failRank {
                FileHandle.standardError.write(Data("rank \(world.rank): exiting at step 2 (--fail-rank)\n".utf8))
                Foundation.exit(3)
            }
            // The whole batch, (T+1, B) time-major, drawn alike on every rank; this rank's columns.
            let tokens = (0..<((steps + 1) * batch)).map { _ in Int32(Int.random(in: 0..<vocabulary, using: &generator)) }
            let columns = (world.rank * shard)..<((world.rank + 1) * shard)
            func rows(_ range: Range<Int>) -> [Int32] { range.flatMap { t in columns.map { tokens[t * batch + $0] } } }
            let input = try backend.indices(rows(0..<steps), shape: [steps, shard], limit: vocabulary)
            let started = clock.now
            let result = try trainer.stepClassifyingEachStep(.tokens(input), targets: rows(1..<(steps + 1)))
            let local = Double(try result.loss.value())
            // The first step warms up (allocations, kernels, MPI's connections): not timed.
            if step == 1 { parallel.resetStatistics() } else { stepSeconds += Timing.milliseconds(clock.now - started) / 1e3 }
            let loss = try world.allReduce(local, .sum) / Double(world.size)
            if world.rank == 0 { print(String(format: "step %d loss %.7f", step, loss)) }
        }
        let identical = try parallel.parametersIdentical(model.blocks)
        if world.rank == 0 {
            let s = parallel.statistics
            let count = Double(max(s.reductions, 1))
            print(String(format: "all-reduce: %d bytes per step, %.3f ms MPI_Allreduce + %.3f ms staging, of a %.3f ms step, on %d ranks",
                         s.bytesPerReduction, s.allReduceSeconds / count * 1e3, s.stagingSeconds / count * 1e3,
                         stepSeconds / Double(max(trainingSteps - 1, 1)) * 1e3, world.size))
            print("parameters identical on every rank: \(identical ? "yes" : "NO")")
        }
        if !identical { throw ExitCode(1) }
    }

    /// The rank's backend; on OpenCL each rank takes device rank modulo the count unless --device names one.
    private func makeBackend(rank: Int) throws -> any Backend {
        switch backend {
        case .opencl:
            if let device { return try Backends.openCL(device: device) }
            let count = try DeviceSelection.allDevices().count
            return try Backends.openCL(device: String(rank % max(count, 1)))
        default: return try Backends.cpu()
        }
    }
}
