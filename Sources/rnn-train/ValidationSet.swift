import Recur

/// The fixed slice of the validation text that every evaluation reads: `batches` batches of `batch`
/// windows of `length` characters, at evenly spaced positions, each from a zero state. That is
/// torch_charlm.py's measure (20 batches of 32 x 100 from the last 10%, zero state), with fixed
/// positions instead of seeded random ones, so that successive evaluations (and a resumed run's)
/// compare like with like. Uploaded once; an evaluation only runs forwards.
struct ValidationSet {
    struct Batch {
        let inputs: IndexTensor
        let targets: [Int32]
    }

    let batches: [Batch]
    let length: Int

    init(tokens: [Int32], batches batchCount: Int, batch: Int, length wanted: Int, vocabularySize: Int, backend: any Backend) throws {
        precondition(tokens.count >= 2, "CharCorpus keeps at least 2 validation characters")
        let length = min(wanted, tokens.count - 1)
        let windows = max(1, batchCount) * batch
        let lastStart = tokens.count - 1 - length
        var made: [Batch] = []
        for first in stride(from: 0, to: windows, by: batch) {
            var inputs = [Int32](repeating: 0, count: length * batch)
            var targets = [Int32](repeating: 0, count: length * batch)
            for b in 0..<batch {
                let window = first + b
                let start = windows > 1 ? window * lastStart / (windows - 1) : 0
                for t in 0..<length {
                    inputs[t * batch + b] = tokens[start + t]
                    targets[t * batch + b] = tokens[start + t + 1]
                }
            }
            made.append(Batch(inputs: try backend.indices(inputs, shape: [length, batch], limit: vocabularySize, name: "validation"),
                              targets: targets))
        }
        self.batches = made
        self.length = length
    }

    /// Mean cross-entropy (nats per character) of the model over the first `limit` batches (all by
    /// default), without dropout. Every batch has the same size, so the mean of batch means is the
    /// mean over characters.
    func loss(of model: RecurrentModel, limit: Int? = nil) throws -> Double {
        let used = batches.prefix(limit ?? batches.count)
        var losses: [DeviceScalar] = []
        for batch in used {
            let forward = try model.forwardSequence(.tokens(batch.inputs), training: false)
            let targets = try model.backend.indices(batch.targets, shape: [batch.targets.count],
                                                    limit: forward.predictions.shape[1], name: "validation targets")
            losses.append(try CrossEntropyLoss.forwardBackward(forward.predictions, targets: targets,
                                                               validCount: batch.targets.count, backend: model.backend).loss)
        }
        // Downloaded after every batch is queued: the device runs them back to back.
        let values = try losses.map { Double(try $0.value()) }
        return values.reduce(0, +) / Double(max(values.count, 1))
    }
}
