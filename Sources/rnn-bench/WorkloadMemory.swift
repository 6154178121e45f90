import Recur

extension WorkloadOptions {
    /// Every config's training step checked against each backend's device before anything is
    /// timed: a config file may ask for a stack or batch no device holds, which would otherwise end
    /// in an error half-way through the table, or in swapping.
    func checkMemory(_ configs: [BenchConfig], on backends: [any Backend]) throws {
        for config in configs {
            let bytes = try config.memoryEstimate()
            for backend in backends {
                let device = backend.deviceMemory
                guard bytes > device.totalBytes else { continue }
                throw RecurError.invalidValue(
                    "config \(config.name) needs \(RecurError.bytes(bytes)); \(device.device) has "
                    + "\(RecurError.bytes(device.totalBytes)): \(device.totalLabel). Give --configs a smaller batch, seq_len or stack")
            }
        }
    }
}

extension BenchConfig {
    /// A training step's bytes: the stack's parameters, gradients and activations, with the input,
    /// the output and its gradient.
    func memoryEstimate() throws -> Int {
        let inputs = try CheckedSize.sum([
            try CheckedSize.product(inputShape, "config \(name)'s input"),
            try CheckedSize.product([2] + outputShape, "config \(name)'s output and its gradient"),
        ], "config \(name)'s tensors")
        return try CheckedSize.sum([
            try descriptor().memoryEstimate(batch: batch, steps: steps),
            try CheckedSize.product([inputs, MemoryLayout<Float>.size], "config \(name)'s tensors in bytes"),
        ], "config \(name)'s memory")
    }
}
