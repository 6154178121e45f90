// Time-series prediction, many-to-many regression: an LSTM reads noisy sine waves (random
// frequency and phase) and predicts each next value (mean squared error at every step). It then
// forecasts a held-out wave by feeding its own predictions back, and plots both.
// Usage: time-series [steps]
import Foundation
import Recur
import RecurCPU

let steps = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 400
let (length, batch) = (50, 32)

/// `count` waves of `length + 1` values: sin(f t + phase) plus a little noise.
func waves(_ count: Int, length: Int, noise: Float, using generator: inout SeededGenerator) -> [[Float]] {
    (0..<count).map { _ in
        let frequency = Float.random(in: 0.15...0.35, using: &generator), phase = Float.random(in: 0..<6.3, using: &generator)
        return (0...length).map { t in Foundation.sin(frequency * Float(t) + phase) + noise * generator.normal() }
    }
}

let backend = CPUBackend()
let model = try RecurrentModel(
    ModelConfiguration(vocabularySize: nil, inputSize: 1, mode: .lstm, hiddenSize: 32, outputSize: 1), backend: backend, seed: 5)
let trainer = SequenceTrainer(model: model, optimizer: try Optimizer(.adam(learningRate: 1e-2)), clipNorm: 1)
var generator = SeededGenerator(seed: 6)
for step in 1...steps {
    let series = waves(batch, length: length, noise: 0.05, using: &generator)
    // Time-major (T, B, 1): value t of wave b at t * batch + b; each target is the next value.
    let inputs = (0..<length).flatMap { t in series.map { $0[t] } }
    let targets = (1...length).flatMap { t in series.map { $0[t] } }
    let result = try trainer.stepRegressingEachStep(.features(try backend.tensor(inputs, shape: [length, batch, 1])), targets: targets)
    if step % 100 == 0 || step == steps { print("step \(step) mse \(try result.loss.value())") }
}

// Forecast: read 40 values of a clean held-out wave, then predict 40 more, each from the last.
let wave = waves(1, length: 80, noise: 0, using: &generator)[0]
let warmUp = try model.forwardSequence(.features(try backend.tensor(Array(wave[0..<40]), shape: [40, 1, 1])), training: false)
var state = warmUp.state, last = try model.predict(.features(try backend.tensor(Array(wave[0..<40]), shape: [40, 1, 1]))).values[0]
var forecast: [Float] = []
for _ in 0..<40 {
    forecast.append(last)
    let next = try model.forwardSequence(.features(try backend.tensor([last], shape: [1, 1, 1])), state: state, training: false)
    state = next.state
    last = try backend.array(next.predictions)[0]
}
let error = zip(forecast, wave[40..<80]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 40
print("forecast mse over 40 steps \(error)")

// The plot: the true wave as '.', the forecast as '*', time to the right.
let rows = 11
var canvas = [[Character]](repeating: [Character](repeating: " ", count: 80), count: rows)
func row(_ value: Float) -> Int { min(rows - 1, max(0, Int(((1 - value) / 2 * Float(rows - 1)).rounded()))) }
for t in 0..<80 { canvas[row(wave[t])][t] = "." }
for (i, value) in forecast.enumerated() { canvas[row(value)][40 + i] = "*" }
print("true wave '.', forecast '*' from t = 40:")
for line in canvas { print("|" + String(line)) }
