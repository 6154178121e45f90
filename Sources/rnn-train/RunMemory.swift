import Recur

/// The memory a run needs, checked against the backend's device before the model is built: a size
/// option that asks for more than the device has would otherwise end in an abort at the first
/// buffer, or in minutes of swapping (QA: --batch, --hidden, --embedding).
enum RunMemory {
    /// Throws, naming the size options, when `bytes` is beyond the device's memory. `charModel`:
    /// --seq-len and --embedding apply (the built-in task has neither).
    static func check(_ bytes: Int, settings: TrainSettings, charModel: Bool, on backend: any Backend) throws {
        let device = backend.deviceMemory
        guard bytes > device.totalBytes else { return }
        var options = ["--batch \(settings.batch)"] + (charModel ? ["--seq-len \(settings.seqLen)"] : [])
        options += ["--hidden \(settings.hidden)", "--layers \(settings.layers)"]
        if charModel { options.append("--embedding \(settings.embedding)") }
        throw RNNTrainFailure("this run needs \(RecurError.bytes(bytes)); \(device.device) has \(RecurError.bytes(device.totalBytes)): "
                              + "\(device.totalLabel). Lower one of " + options.joined(separator: ", "))
    }

    /// The built-in task: a training step at --batch over its n + 1 steps, and the evaluation's
    /// batches of up to 1024 sums of 32 bits.
    static func additionBytes(_ configuration: ModelConfiguration, settings: TrainSettings, bits: Int) throws -> Int {
        try CheckedSize.sum([
            try configuration.memoryEstimate(batch: settings.batch, steps: bits + 1, training: true),
            try configuration.memoryEstimate(batch: 1024, steps: 33, training: false),
        ], "the run's memory")
    }
}
