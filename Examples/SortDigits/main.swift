// Sequence to sequence: an encoder reads a string of 2 to 6 digits into its final state; a decoder
// starts from that state and writes the digits sorted, then a stop token (teacher forcing in
// training, its own greedy choices after). Usage: sort-digits [steps]
import Recur
import RecurCPU

let steps = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1500
let start: Int32 = 10, stop: Int32 = 11   // the decoder's vocabulary: the digits, start, stop

/// A batch: sources (S, B) padded with 0, their lengths, decoder inputs (S + 1, B) and targets.
func batch(_ strings: [[Int32]]) -> (source: [Int32], lengths: [Int], input: [Int32], targets: [Int32], steps: Int) {
    let count = strings.count, longest = strings.map(\.count).max()!
    var source = [Int32](repeating: 0, count: longest * count), input = [Int32](repeating: stop, count: (longest + 1) * count)
    var targets = [Int32](repeating: -1, count: (longest + 1) * count)
    for (b, string) in strings.enumerated() {
        input[b] = start
        for (t, digit) in string.enumerated() { source[t * count + b] = digit }
        for (t, digit) in string.sorted().enumerated() { input[(t + 1) * count + b] = digit; targets[t * count + b] = digit }
        targets[string.count * count + b] = stop
    }
    return (source, strings.map(\.count), input, targets, longest)
}

let backend = CPUBackend()
let encoder = try RecurrentModel(ModelConfiguration(vocabularySize: 10, inputSize: 16, mode: .gru, hiddenSize: 64, outputSize: 1),
                                 backend: backend, seed: 7)
let decoder = try RecurrentModel(.languageModel(vocabularySize: 12, embeddingSize: 16, mode: .gru, hiddenSize: 64, numLayers: 1),
                                 backend: backend, seed: 8)
let trainer = try EncoderDecoderTrainer(encoder: encoder, decoder: decoder, optimizer: try Optimizer(.adam(learningRate: 1e-2)),
                                        schedule: .cosine(warmup: 0, total: steps, minimum: 0), clipNorm: 5)
var generator = SeededGenerator(seed: 9)
func strings(_ count: Int, using generator: inout SeededGenerator) -> [[Int32]] {
    (0..<count).map { _ in (0..<Int.random(in: 2...6, using: &generator)).map { _ in Int32.random(in: 0...9, using: &generator) } }
}
for step in 1...steps {
    let b = batch(strings(64, using: &generator))
    let result = try trainer.step(
        source: .tokens(try backend.indices(b.source, shape: [b.steps, 64], limit: 10)), sourceLengths: b.lengths,
        decoderInput: .tokens(try backend.indices(b.input, shape: [b.steps + 1, 64], limit: 12)), targets: b.targets)
    if step % 250 == 0 || step == steps { print("step \(step) loss \(try result.loss.value())") }
}

let test = strings(500, using: &generator), b = batch(test)
let encoding = try encoder.encode(.tokens(try backend.indices(b.source, shape: [b.steps, 500], limit: 10)), lengths: b.lengths,
                                  training: false)
var greedy = try Sampler(greedy: true)
let outputs = try decoder.generate(from: encoding.state, start: start, stop: stop, maxLength: 8, sampler: &greedy)
let exact = zip(test, outputs).filter { $0.sorted() == $1 }.count
print("held-out strings sorted exactly: \(exact) of \(test.count)")
for (string, output) in zip(test, outputs).prefix(3) {
    print(string.map(String.init).joined(), "->", output.map(String.init).joined())
}
