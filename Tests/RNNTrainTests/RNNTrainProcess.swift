import Foundation
import RecurTestSupport
import Testing

/// Runs the rnn-train built beside this test bundle, as users run it, and gives scratch space.
enum RNNTrainProcess {
    typealias Result = ToolProcess.Result

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let result = try ToolProcess.run("rnn-train", arguments, environment: environment)
        #expect(result.exited, "rnn-train \(arguments) crashed")
        return result
    }

    /// A fresh directory, removed by the caller (`defer`).
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rnn-train-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// About 3,000 characters of sentences from a small word list: learnable in a few steps, and the
    /// same in every run.
    static func smallText() -> String {
        let words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "seven", "wizards", "hex"]
        var state: UInt64 = 42
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var lines: [String] = []
        while lines.joined(separator: "\n").count < 3000 {
            lines.append((0..<(4 + next(6))).map { _ in words[next(words.count)] }.joined(separator: " ") + ".")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func write(_ text: String, named name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// A tiny char-LM on the CPU: a run of 20 steps takes a fraction of a second.
    static let tinyModel = ["--backend", "cpu", "--cell", "lstm", "--embedding", "8", "--hidden", "12", "--layers", "1",
                            "--batch", "4", "--seq-len", "16", "--val-batches", "2", "--sample-length", "30"]
}
