import Foundation
import Recur
import RecurCLI

/// The training loop the built-in tasks share: steps until `steps`, `minutes` or a signal (watched
/// by the task's `InterruptWatch`, made before its first line), the loss on a progress bar and
/// about ten result lines, a divergence reported as a failure, then the throughput. The tasks
/// keep no checkpoint, so a signal ends the run without its evaluation.
struct BuiltInTaskLoop {
    let steps: Int?
    let minutes: Double?
    let logEvery: Int
    let batch: Int
    /// What a batch holds, for the progress bar ("sums", "strings").
    let unitName: String
    /// The task's classes per prediction: the loss ceiling that marks a divergence.
    let classes: Int
    /// The task in the interruption message ("the built-in task").
    let taskName: String

    /// Runs `step` (one training step, returning its loss) to the end; returns the steps done.
    func run(watch: InterruptWatch, _ step: () throws -> DeviceScalar) throws -> Int {
        let progress = ProgressBar(totalSteps: steps, timeLimit: minutes.map { $0 * 60 }, unitsPerStep: batch, unitName: unitName)
        // About ten result lines over the run, whatever its length.
        let printEvery = max(logEvery, ((steps ?? 1000) / 10 + logEvery - 1) / logEvery * logEvery)
        var losses = PendingLosses(ceiling: LossCeiling.ceiling(classes: classes))
        var intervalLosses: [Double] = []
        var done = 0
        var stoppedBy: Int32?
        do {
            while true {
                let loss = try step()
                done += 1
                losses.append(loss, step: done)
                let timeUp = minutes.map { progress.elapsed >= $0 * 60 } ?? false
                let last = done == steps || timeUp
                progress.tick(step: done)
                if done % logEvery == 0 || last, let mean = try losses.drain() {
                    progress.update(step: done, loss: mean)
                    intervalLosses.append(mean)
                    if done % printEvery == 0 || last {
                        let average = intervalLosses.reduce(0, +) / Double(intervalLosses.count)
                        intervalLosses.removeAll()
                        progress.print(String(format: "step %5d%@  loss %.4f", done, steps.map { "/\($0)" } ?? "", average))
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
            throw InterruptedRun(signal: stoppedBy, message: "rnn-train: interrupted at step \(done) of \(taskName), "
                                 + "which keeps no checkpoint (--text runs do)")
        }
        let seconds = progress.elapsed
        print(String(format: "trained %d steps in %.1f s (%@ %@/s)", done, seconds,
                     ProgressBar.compact(Double(done * batch) / max(seconds, 1e-9)), unitName))
        return done
    }
}
