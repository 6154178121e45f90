// Many-to-one classification of word sequences, sentiment-style: made-up "reviews" of 4 to 16
// words are positive when they hold more praising words than damning ones. An embedding and a
// bidirectional GRU read each review; a linear head classifies its final states.
// Usage: sentiment [steps]
import Recur
import RecurCPU

let steps = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 300
let good = ["good", "great", "lovely", "superb"], bad = ["bad", "awful", "dull", "poor"]
let neutral = ["the", "film", "plot", "was", "and", "a", "story", "acting"]
let words = good + bad + neutral

/// A batch of reviews, time-major and padded, with their lengths and labels (1 = positive).
func reviews(_ count: Int, using generator: inout SeededGenerator) -> (tokens: [Int32], lengths: [Int], labels: [Int32]) {
    let longest = 16
    var tokens = [Int32](repeating: 0, count: longest * count), lengths: [Int] = [], labels: [Int32] = []
    for b in 0..<count {
        var review: [Int] = [], score = 0
        let length = Int.random(in: 4...longest, using: &generator)
        while review.count < length || score == 0 {   // no ties: every review has a sentiment
            if review.count == longest { review.removeAll(); score = 0; continue }
            let word = Int.random(in: 0..<words.count, using: &generator)
            score += word < good.count ? 1 : word < good.count + bad.count ? -1 : 0
            review.append(word)
        }
        for (t, word) in review.enumerated() { tokens[t * count + b] = Int32(word) }
        lengths.append(review.count)
        labels.append(score > 0 ? 1 : 0)
    }
    return (tokens, lengths, labels)
}

let backend = CPUBackend()
let model = try RecurrentModel(
    ModelConfiguration(vocabularySize: words.count, inputSize: 16, mode: .gru, hiddenSize: 32, bidirectional: true, outputSize: 2),
    backend: backend, seed: 3)
let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(.adam(learningRate: 5e-3)), clipNorm: 5)
var generator = SeededGenerator(seed: 4)
func input(_ tokens: [Int32], batch: Int, on backend: any Backend) throws -> SequenceInput {
    .tokens(try backend.indices(tokens, shape: [tokens.count / batch, batch], limit: words.count))
}
for step in 1...steps {
    let batch = reviews(32, using: &generator)
    let result = try trainer.stepClassifyingSequences(try input(batch.tokens, batch: 32, on: backend), targets: batch.labels, lengths: batch.lengths)
    if step % 100 == 0 || step == steps { print("step \(step) loss \(try result.loss.value())") }
}

let test = reviews(500, using: &generator)
let evaluation = try model.evaluateClassifying([
    RecurrentModel.LabelledBatch(input: try input(test.tokens, batch: 500, on: backend), targets: test.labels, lengths: test.lengths),
])
print("held-out accuracy \(evaluation.accuracy) (\(evaluation.count) reviews), mean loss \(evaluation.meanLoss)")
for review in ["the plot was dull and the acting poor", "a lovely story and great acting"] {
    let ids = review.split(separator: " ").map { Int32(words.firstIndex(of: String($0))!) }
    let label = try model.predict(try input(ids, batch: 1, on: backend)).classes[0]
    print("\"\(review)\" -> \(label == 1 ? "positive" : "negative")")
}
