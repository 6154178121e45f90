import ArgumentParser
import Foundation
import Recur
import RecurCLI

/// `rnn-train sample`: text from a char-LM checkpoint. The model is built from the checkpoint's own
/// metadata (its configuration and vocabulary), so no training option is repeated.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a checkpoint of rnn-train --text.",
        discussion: "Prints the prompt followed by the generated characters.")

    @Option(help: ArgumentHelp("A checkpoint written by rnn-train --text.", valueName: "file"))
    var checkpoint: String
    @Option(help: "The text to continue (default: a new line, or the vocabulary's first character; then not printed).")
    var prompt: String?
    @Option(help: "Characters to generate.")
    var length: Int = 200
    @Option(help: "Softmax temperature: below 1 more conservative, above 1 more varied.")
    var temperature: Float = 1
    @Option(name: .customLong("top-k"), help: "Sample among the K most likely characters only.")
    var topK: Int?
    @Flag(help: "Always take the most likely character.")
    var greedy = false
    @Option(help: "Seeds the sampling.")
    var seed: UInt64 = 0
    @Option(help: "auto: an OpenCL GPU when there is one, else the CPU backend (faster than a CPU OpenCL device such as POCL).")
    var backend: BackendChoice = .auto
    @Option(help: "The OpenCL device: an index or part of a name.")
    var device: String?

    func validate() throws {
        guard length >= 0 else { throw ValidationError("--length must be at least 0, got \(length)") }
        guard greedy || (temperature > 0 && temperature.isFinite) else {
            throw ValidationError("--temperature must be positive, got \(temperature)")
        }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        if let prompt, prompt.isEmpty { throw ValidationError("--prompt is empty; leave it out to start from a new line") }
    }

    func run() throws {
        let header = try TrainingCheckpoint.header(checkpoint)
        let vocabulary = header.vocabulary
        // Checked before a backend starts: a wrong prompt is the user's to fix, and quick to report.
        let promptTokens = try prompt.map { try vocabulary.encode($0, what: "the prompt") } ?? [vocabulary.defaultPromptToken]
        let model = try RecurrentModel(header.model, backend: try backend.makeBackend(device: device))
        try TrainingCheckpoint.load(header, into: model, optimizer: nil)
        var sampler = try Sampler(temperature: temperature, topK: topK, greedy: greedy, seed: seed)
        let generated = try model.generate(prompt: promptTokens, length: length, sampler: &sampler)
        print((prompt ?? "") + vocabulary.decode(generated))
    }
}
