// Loading a PyTorch model and continuing its training: reads a state_dict that PyTorch saved with
// safetensors.torch.save_file (an nn.Embedding "embedding", an nn.LSTM "rnn", an nn.Linear "head",
// as in a character language model), works out the model's sizes from the tensors' shapes, loads
// it, and trains it further on a made-up token stream, saving a checkpoint PyTorch can load back.
// Usage: continue-pytorch STATE_DICT.safetensors [steps] [OUT.safetensors]
import Foundation
import Recur
import RecurCPU

let arguments = Array(CommandLine.arguments.dropFirst())
guard let path = arguments.first else {
    print("usage: continue-pytorch STATE_DICT.safetensors [steps] [OUT.safetensors]")
    exit(2)
}
let steps = arguments.dropFirst().first.flatMap(Int.init) ?? 100
let file = try SafeTensors(contentsOf: URL(fileURLWithPath: path))

// The sizes, from the shapes: embedding (V, E), weight_hh_l0 (4H, H), one weight_ih per layer.
let embedding = try file.entry("embedding.weight").shape, recurrent = try file.entry("rnn.weight_hh_l0").shape
let layers = (0...).first { !file.contains("rnn.weight_ih_l\($0)") }!
let configuration = ModelConfiguration.languageModel(vocabularySize: embedding[0], embeddingSize: embedding[1], mode: .lstm,
                                                     hiddenSize: recurrent[1], numLayers: layers)
print("PyTorch model: vocabulary \(embedding[0]), embedding \(embedding[1]), LSTM \(layers)x\(recurrent[1])")

let backend = CPUBackend()
let model = try RecurrentModel(configuration, backend: backend)
try Checkpoint.load(file, named: path, into: model)   // every tensor checked against the model's shapes first
let optimizer = try Optimizer(.adam(learningRate: 5e-3))
let trainer = SequenceTrainer(model: model, optimizer: optimizer, clipNorm: 1)

// A token stream with a pattern to learn: each token is the previous one plus one, mod V.
let vocabulary = embedding[0], (length, batch) = (16, 8)
var generator = SeededGenerator(seed: 10)
for step in 1...steps {
    let starts = (0..<batch).map { _ in Int.random(in: 0..<vocabulary, using: &generator) }
    let inputs = (0..<length).flatMap { t in starts.map { Int32(($0 + t) % vocabulary) } }
    let targets = (1...length).flatMap { t in starts.map { Int32(($0 + t) % vocabulary) } }
    let result = try trainer.stepClassifyingEachStep(
        .tokens(try backend.indices(inputs, shape: [length, batch], limit: vocabulary)), targets: targets)
    if step == 1 || step % 50 == 0 || step == steps { print("step \(step) loss \(try result.loss.value())") }
}
if arguments.count > 2 {
    try Checkpoint.save(model: model, optimizer: optimizer, to: URL(fileURLWithPath: arguments[2]))
    print("saved \(arguments[2]): load it in PyTorch with safetensors.torch.load_file")
}
