import Foundation
import Testing

/// `rnn-train --task reverse`: the encoder-decoder learns to reverse digit strings it never saw,
/// on each backend, to the accuracy the README states (99% exact with the defaults, measured at
/// 99.3% on the CPU backend and 99.1% on POCL; the test asks for 97%, below the seeds' spread).
@Suite struct ReverseTaskTests {
    @Test(arguments: ["cpu", "opencl"])
    func theDefaultRunReversesHeldOutStrings(backend: String) throws {
        let result = try RNNTrainProcess.run(["--task", "reverse", "--backend", backend])
        #expect(result.status == 0, "\(result.errors)")
        let line = try #require(result.lines.first { $0.hasPrefix("held-out strings") }, "\(result.output)")
        // "held-out strings (1000) reversed exactly  99.30%   digits right  99.69%"
        let exact = line.components(separatedBy: "reversed exactly").last?.split(separator: "%").first
            .flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        let accuracy = try #require(exact, "\(line)")
        #expect(accuracy >= 97, "\(line)")
    }

    @Test func aTaskAndATextAreRefusedTogether() throws {
        let result = try RNNTrainProcess.run(["--task", "reverse", "--text", "README.md"])
        #expect(result.status != 0)
        #expect(result.errors.contains("--task"), "\(result.errors)")
    }
}
