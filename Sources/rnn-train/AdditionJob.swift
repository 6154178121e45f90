import Foundation
import Recur
import RecurCLI

/// The default job: trains a small recurrent network on 8-bit binary addition (BinaryAdditionTask),
/// printing the loss as it falls, then its accuracy on held-out 8-bit pairs and on 16- and 32-bit
/// numbers, which no training batch ever held. Ctrl-C or SIGTERM ends the training after the current
/// step (InterruptWatch); the task keeps no checkpoint, so there is nothing to resume.
struct AdditionJob {
    static let defaultSteps = 1500
    /// Pairs evaluated at each longer width.
    static let longPairs = 1000

    let settings: TrainSettings
    let steps: Int?
    let minutes: Double?
    let logEvery: Int
    let backend: any Backend
    let task = BinaryAdditionTask(bits: 8)

    func run() throws {
        let configuration = BinaryAdditionTask.modelConfiguration(mode: settings.cell, hiddenSize: settings.hidden,
                                                                  numLayers: settings.layers,
                                                                  projectionSize: settings.projection ?? 0,
                                                                  layerNorm: settings.layerNorm ?? false,
                                                                  zoneout: settings.zoneout ?? 0,
                                                                  cellClip: settings.cellClip ?? 0)
        try RunMemory.check(try RunMemory.additionBytes(configuration, settings: settings, bits: task.bits),
                            settings: settings, charModel: false, on: backend)
        let model = try RecurrentModel(configuration, backend: backend, seed: settings.seed)
        let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(settings.optimizer),
                                      schedule: settings.learningRateSchedule, clipNorm: settings.clipNorm, clipValue: settings.clipValue,
                                      seed: settings.dropoutSeed(atStep: 0))
        // Watched before the first line is printed: a Ctrl-C from someone who has seen the run start
        // stops it after a step, never kills it.
        let watch = InterruptWatch(secondSignalMessage: "rnn-train: stopped at once by a second signal")
        defer { watch.stop() }
        print("rnn-train: learning \(task.bits)-bit binary addition, one bit of each number per step, least significant first")
        print("backend \(backend.summary)")
        print("model \(settings.cellName) \(settings.layers)x\(settings.hidden), 2 features -> 2 classes per step; "
              + "\(settings.optimizer.kind.rawValue) lr \(settings.optimizer.learningRate), batch \(settings.batch), "
              + (steps.map { "\($0) steps" } ?? "") + (minutes.map { (steps == nil ? "" : ", at most ") + "\($0) min" } ?? ""))
        Console.flush()

        // The numbers come from their own generator: the same sums in every run of a seed.
        var generator = SeededGenerator(seed: settings.seed &+ 0xADD)
        let loop = BuiltInTaskLoop(steps: steps, minutes: minutes, logEvery: logEvery, batch: settings.batch, unitName: "sums",
                                   classes: BinaryAdditionTask.classCount, taskName: "the built-in task")
        _ = try loop.run(watch: watch) {
            let batch = BinaryAdditionTask.encode(task.trainingPairs(settings.batch, using: &generator), bits: task.bits)
            let features = try backend.tensor(batch.features, shape: [batch.steps, batch.batch, BinaryAdditionTask.featureCount])
            return try trainer.stepClassifyingEachStep(.features(features), targets: batch.targets).loss
        }

        var evaluation = SeededGenerator(seed: settings.seed &+ 0xE7A1)
        let heldOut = task.heldOutPairs()
        report("held-out \(task.bits)-bit pairs", count: heldOut.count,
               try BinaryAdditionTask.evaluate(model, pairs: heldOut, bits: task.bits))
        for bits in [16, 32] {
            let pairs = BinaryAdditionTask.randomPairs(Self.longPairs, bits: bits, using: &evaluation)
            report("random \(bits)-bit pairs", count: pairs.count, try BinaryAdditionTask.evaluate(model, pairs: pairs, bits: bits))
        }
    }

    private func report(_ name: String, count: Int, _ accuracy: BinaryAdditionTask.Accuracy) {
        print(String(format: "%-28@ bit accuracy %6.2f%%   exact sums %6.2f%%", "\(name) (\(count))" as NSString,
                     accuracy.bits * 100, accuracy.exact * 100))
    }
}
