import Foundation
import Recur
import RecurCPU
import RecurTestSupport
import Testing

/// Examples/: each worked example run as a process on its own small settings, and held to what it
/// shows (the numbers below are floors under what each printed on 2026-12-05, not tuned values).
@Suite struct Examples {
    func run(_ tool: String, _ arguments: [String] = []) throws -> ToolProcess.Result {
        let result = try ToolProcess.run(tool, arguments)
        #expect(result.exited && result.status == 0, "\(tool) \(arguments): \(result.errors)")
        return result
    }

    /// The number after `label` on the line that starts with `prefix`.
    func number(in result: ToolProcess.Result, line prefix: String, after label: String) throws -> Double {
        let line = try #require(result.lines.first { $0.hasPrefix(prefix) }, "\(result.output)")
        let text = try #require(line.components(separatedBy: label).last?.split(separator: " ").first, "\(line)")
        return try #require(Double(text), "\(line)")
    }

    @Test func autocompleteFinishesItsWordsAndStops() throws {
        let result = try run("autocomplete", ["300"])
        for line in ["he -> hello", "de -> deep", "h -> hello", "d -> deep"] {
            #expect(result.lines.contains(line), "\(result.output)")
        }
    }

    @Test func sentimentClassifiesHeldOutReviews() throws {
        let result = try run("sentiment", ["300"])
        #expect(try number(in: result, line: "held-out accuracy", after: "accuracy ") >= 0.9)
        #expect(result.lines.contains("\"the plot was dull and the acting poor\" -> negative"), "\(result.output)")
        #expect(result.lines.contains("\"a lovely story and great acting\" -> positive"), "\(result.output)")
    }

    @Test func timeSeriesForecastsAndPlots() throws {
        let result = try run("time-series", ["400"])
        // A sine of amplitude 1 has a mean square of 0.5: a forecast that learned nothing scores about that.
        #expect(try number(in: result, line: "forecast mse", after: "40 steps ") < 0.1)
        #expect(result.lines.filter { $0.hasPrefix("|") }.count == 11)
    }

    @Test func sortDigitsSortsHeldOutStrings() throws {
        let result = try run("sort-digits", ["1500"])
        #expect(try number(in: result, line: "held-out strings sorted exactly", after: "exactly: ") >= 450)
    }

    @Test func aPyTorchModelLoadsAndTrainsOn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let saved = directory.appendingPathComponent("continued.safetensors")
        let stateDict = try FixtureFiles.interchange("pytorch_lstm_charmodel.safetensors")
        let result = try run("continue-pytorch", [stateDict.path, "100", saved.path])
        #expect(result.lines.contains("PyTorch model: vocabulary 11, embedding 6, LSTM 2x10"), "\(result.output)")
        let first = try number(in: result, line: "step 1 ", after: "loss "), last = try number(in: result, line: "step 100 ", after: "loss ")
        #expect(last < first * 0.5, "\(result.output)")
        // What it saved loads back into the same model, and differs from what it started from.
        let model = try RecurrentModel(.languageModel(vocabularySize: 11, embeddingSize: 6, mode: .lstm, hiddenSize: 10, numLayers: 2),
                                       backend: CPUBackend())
        try Checkpoint.load(from: saved, into: model)
        #expect(try model.parameter("rnn.weight_hh_l1") != SafeTensors(contentsOf: stateDict).floats("rnn.weight_hh_l1"))
        let usage = try ToolProcess.run("continue-pytorch", [])
        #expect(usage.exited && usage.status == 2 && usage.output.contains("usage"))
    }
}
