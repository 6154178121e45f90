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
                                                              backend: backend, seed: settings.seed)
        let trainer = try EncoderDecoderTrainer(encoder: encoder, decoder: decoder, optimizer: try Optimizer(settings.optimizer),
                                                schedule: settings.learningRateSchedule, clipNorm: settings.clipNorm,
                                                clipValue: settings.clipValue)
        let watch = InterruptWatch(secondSignalMessage: "rnn-train: stopped at once by a second signal")
        defer { watch.stop() }
        print("rnn-train: learning to reverse strings of \(task.lengths.lowerBound) to \(task.lengths.upperBound) digits "
              + "with an encoder-decoder (teacher forcing)")
        print("backend \(backend.summary)")
        print("encoder and decoder \(settings.cell.rawValue) \(settings.layers)x\(settings.hidden); "
              + "\(settings.optimizer.kind.rawValue) lr \(settings.optimizer.learningRate), batch \(settings.batch), "
              + (steps.map { "\($0) steps" } ?? "") + (minutes.map { (steps == nil ? "" : ", at most ") + "\($0) min" } ?? ""))
        Console.flush()

        var generator = SeededGenerator(seed: settings.seed &+ 0x5E0)
        let progress = ProgressBar(totalSteps: steps, timeLimit: minutes.map { $0 * 60 }, unitsPerStep: settings.batch,
                                   unitName: "strings")
        let printEvery = max(logEvery, ((steps ?? 1000) / 10 + logEvery - 1) / logEvery * logEvery)
        var losses = PendingLosses(ceiling: LossCeiling.ceiling(classes: ReverseDigitsTask.decoderVocabulary))
        var intervalLosses: [Double] = []
        var step = 0
        var stoppedBy: Int32?
        do {
            while true {
                let batch = ReverseDigitsTask.encode(task.strings(settings.batch, training: true, using: &generator))
                let b = settings.batch
                let source = try backend.indices(batch.source, shape: [batch.steps, b], limit: ReverseDigitsTask.digits)
                let input = try backend.indices(batch.decoderInput, shape: [batch.steps + 1, b], limit: ReverseDigitsTask.decoderVocabulary)
                let result = try trainer.step(source: .tokens(source), sourceLengths: batch.sourceLengths,
                                              decoderInput: .tokens(input), targets: batch.targets)
                step += 1
                losses.append(result.loss, step: step)
                let timeUp = minutes.map { progress.elapsed >= $0 * 60 } ?? false
                let last = step == steps || timeUp
                progress.tick(step: step)
                if step % logEvery == 0 || last, let mean = try losses.drain() {
                    progress.update(step: step, loss: mean)
                    intervalLosses.append(mean)
                    if step % printEvery == 0 || last {
                        let average = intervalLosses.reduce(0, +) / Double(intervalLosses.count)
                        intervalLosses.removeAll()
                        progress.print(String(format: "step %5d%@  loss %.4f", step, steps.map { "/\($0)" } ?? "", average))
                    }
                }
                stoppedBy = last ? nil : watch.requested
                if last || stoppedBy != nil { break }
            }
        } catch let divergence as Divergence {
            progress.finish()
            throw RNNTrainFailure("training diverged at step \(divergence.step): \(divergence.what); lower --lr or keep --clip")
        }
        watch.stop()
        progress.finish()
        if let stoppedBy {
            throw InterruptedRun(signal: stoppedBy, message: "rnn-train: interrupted at step \(step) of the reverse task, "
                                 + "which keeps no checkpoint (--text runs do)")
        }
        let seconds = progress.elapsed
        print(String(format: "trained %d steps in %.1f s (%@ strings/s)", step, seconds,
                     ProgressBar.compact(Double(step * settings.batch) / max(seconds, 1e-9))))
        var evaluation = SeededGenerator(seed: settings.seed &+ 0xE7A2)
        let heldOut = task.strings(Self.heldOutStrings, training: false, using: &evaluation)
        let accuracy = try ReverseDigitsTask.evaluate(encoder: encoder, decoder: decoder, strings: heldOut)
        print(String(format: "held-out strings (%d) reversed exactly %6.2f%%   digits right %6.2f%%", heldOut.count,
                     accuracy.exact * 100, accuracy.digits * 100))
    }
}
