import Foundation
import Recur
import RecurCLI

/// `rnn-train --task reverse`: an encoder-decoder learns to reverse digit strings (ReverseDigitsTask),
/// printing the loss as it falls, then how many held-out strings it reverses exactly, decoding
/// greedily from the encoder's state until its stop token.
struct ReverseJob {
    static let defaultSteps = 2000
    static let heldOutStrings = 1000

    let settings: TrainSettings
    let steps: Int?
    let minutes: Double?
    let logEvery: Int
    let backend: any Backend
    let task = ReverseDigitsTask()

    func run() throws {
        let (encoder, decoder) = try ReverseDigitsTask.models(mode: settings.cell, hidden: settings.hidden, layers: settings.layers,
                                                              projection: settings.projection ?? 0,
                                                              layerNorm: settings.layerNorm ?? false, backend: backend, seed: settings.seed)
        let trainer = try EncoderDecoderTrainer(encoder: encoder, decoder: decoder, optimizer: try Optimizer(settings.optimizer),
                                                schedule: settings.learningRateSchedule, clipNorm: settings.clipNorm,
                                                clipValue: settings.clipValue)
        let watch = InterruptWatch(secondSignalMessage: "rnn-train: stopped at once by a second signal")
        defer { watch.stop() }
        print("rnn-train: learning to reverse strings of \(task.lengths.lowerBound) to \(task.lengths.upperBound) digits "
              + "with an encoder-decoder (teacher forcing)")
        print("backend \(backend.summary)")
        print("encoder and decoder \(settings.cellName) \(settings.layers)x\(settings.hidden); "
              + "\(settings.optimizer.kind.rawValue) lr \(settings.optimizer.learningRate), batch \(settings.batch), "
              + (steps.map { "\($0) steps" } ?? "") + (minutes.map { (steps == nil ? "" : ", at most ") + "\($0) min" } ?? ""))
        Console.flush()

        var generator = SeededGenerator(seed: settings.seed &+ 0x5E0)
        let loop = BuiltInTaskLoop(steps: steps, minutes: minutes, logEvery: logEvery, batch: settings.batch, unitName: "strings",
                                   classes: ReverseDigitsTask.decoderVocabulary, taskName: "the reverse task")
        _ = try loop.run(watch: watch) {
            let batch = ReverseDigitsTask.encode(task.strings(settings.batch, training: true, using: &generator))
            let b = settings.batch
            let source = try backend.indices(batch.source, shape: [batch.steps, b], limit: ReverseDigitsTask.digits)
            let input = try backend.indices(batch.decoderInput, shape: [batch.steps + 1, b], limit: ReverseDigitsTask.decoderVocabulary)
            return try trainer.step(source: .tokens(source), sourceLengths: batch.sourceLengths,
                                    decoderInput: .tokens(input), targets: batch.targets).loss
        }
        var evaluation = SeededGenerator(seed: settings.seed &+ 0xE7A2)
        let heldOut = task.strings(Self.heldOutStrings, training: false, using: &evaluation)
        let accuracy = try ReverseDigitsTask.evaluate(encoder: encoder, decoder: decoder, strings: heldOut)
        print(String(format: "held-out strings (%d) reversed exactly %6.2f%%   digits right %6.2f%%", heldOut.count,
                     accuracy.exact * 100, accuracy.digits * 100))
    }
}
