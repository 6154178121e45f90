// Character autocompletion with a stop token: a small LSTM learns the words "hello" and "deep"
// one character at a time, each followed by "." (the stop token), then finishes prompts and
// stops by itself. Usage: autocomplete [steps]
import Recur
import RecurCPU   // or RecurOpenCL: OpenCLBackend() runs the same code on any OpenCL device

let steps = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 300
let alphabet = Array("delhop."), stop = Int32(alphabet.firstIndex(of: ".")!)
func ids(_ text: String) -> [Int32] { text.map { Int32(alphabet.firstIndex(of: $0)!) } }

let backend = CPUBackend()
let model = try RecurrentModel(
    .languageModel(vocabularySize: alphabet.count, embeddingSize: 8, mode: .lstm, hiddenSize: 32, numLayers: 1),
    backend: backend, seed: 1)
let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(.adam(learningRate: 1e-2)), clipNorm: 5)

// Each training sequence is words drawn at random, so the model sees every word start after a stop.
var generator = SeededGenerator(seed: 2)
let (length, batch) = (24, 16)
for step in 1...steps {
    let streams = (0..<batch).map { _ in
        var text = "."
        while text.count <= length { text += Bool.random(using: &generator) ? "hello." : "deep." }
        return ids(String(text.prefix(length + 1)))
    }
    // Time-major: position t of stream b at t * batch + b; targets are the next characters.
    let inputs = (0..<length).flatMap { t in streams.map { $0[t] } }
    let targets = (1...length).flatMap { t in streams.map { $0[t] } }
    let result = try trainer.stepClassifyingEachStep(
        .tokens(try backend.indices(inputs, shape: [length, batch], limit: alphabet.count)), targets: targets)
    if step % 100 == 0 || step == steps { print("step \(step) loss \(try result.loss.value())") }
}

var greedy = try Sampler(greedy: true)
for prompt in [".he", ".de", ".h", ".d"] {
    let completion = try model.generate(prompt: ids(prompt), length: 10, stop: stop, sampler: &greedy)
    let word = String(prompt.dropFirst()) + String(completion.map { alphabet[Int($0)] })
    print("\(prompt.dropFirst()) -> \(word)")
}
