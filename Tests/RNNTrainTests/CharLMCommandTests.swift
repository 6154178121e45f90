import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Recur
import Testing

/// `rnn-train --text`: what a run leaves in --out, and `sample` from its checkpoint.
@Suite struct CharLMCommandTests {
    @Test func aShortRunWritesCheckpointHistoryAndChartAndSamples() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try RNNTrainProcess.write(RNNTrainProcess.smallText(), named: "small.txt", in: directory)
        let out = directory.appendingPathComponent("out")
        let result = try RNNTrainProcess.run(["--text", text, "--steps", "20", "--eval-every", "10", "--log-every", "5",
                                              "--out", out.path] + RNNTrainProcess.tinyModel)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("val "), "evaluations are printed: \(result.output)")
        #expect(result.output.contains("  | "), "a sample is printed")
        // Each evaluation names the steps its training loss is the mean of.
        #expect(result.output.contains("train ") && result.output.contains(" (mean of steps 1-10)  val "), "\(result.output)")
        #expect(result.output.contains(" (mean of steps 11-20)  val "), "\(result.output)")
        // Each sample is --sample-length (30) characters, every one the model's: no prompt
        // character printed before it.
        let samples = Self.samples(in: result.output)
        #expect(samples.count == 2, "\(result.output)")
        for sample in samples { #expect(sample.unicodeScalars.count == 30, "\(sample.debugDescription)") }

        // The checkpoint: Recur's format, with the vocabulary, the step and the text's name.
        let checkpoint = try SafeTensors(contentsOf: out.appendingPathComponent("checkpoint.safetensors"))
        #expect(checkpoint.metadata["step"] == "20")
        #expect(checkpoint.metadata["text"] == "small.txt")
        let vocabulary = try JSONDecoder().decode([String].self, from: Data(try #require(checkpoint.metadata["vocabulary"]).utf8))
        #expect(vocabulary == Set(RNNTrainProcess.smallText().unicodeScalars).sorted().map { String($0) })
        #expect(checkpoint.contains("rnn.weight_ih_l0") && checkpoint.contains("optimizer.rnn.weight_ih_l0.exp_avg"))

        // history.csv: a row every 5 steps, validation at 10 and 20.
        let csv = try String(contentsOf: out.appendingPathComponent("history.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["step", "train_loss", "val_loss", "seconds"])
        #expect(rows.dropFirst().map { $0[0] } == ["5", "10", "15", "20"])
        #expect(rows.dropFirst().allSatisfy { Double($0[1]) != nil })
        #expect(rows.dropFirst().filter { !$0[2].isEmpty }.map { $0[0] } == ["10", "20"])

        // history.svg: well-formed XML, an <svg> with the two curves, axis labels and a legend.
        let svg = try Data(contentsOf: out.appendingPathComponent("history.svg"))
        let checker = SVGChecker()
        let parser = XMLParser(data: svg)
        parser.delegate = checker
        #expect(parser.parse(), "history.svg is not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(checker.root == "svg")
        #expect(checker.elements["polyline", default: 0] >= 3, "axes and two curves")
        #expect(checker.texts.contains("step") && checker.texts.contains("training loss") && checker.texts.contains("validation loss"))

        // sample: the prompt, then --length characters.
        let sample = try RNNTrainProcess.run(["sample", "--checkpoint", out.appendingPathComponent("checkpoint.safetensors").path,
                                              "--prompt", "the ", "--length", "57", "--backend", "cpu", "--top-k", "5"])
        #expect(sample.status == 0, "\(sample.errors)")
        var printed = sample.output
        #expect(printed.hasSuffix("\n"))
        printed.removeLast()
        #expect(printed.hasPrefix("the "))
        #expect(printed.unicodeScalars.count == 4 + 57)
        #expect(printed.unicodeScalars.allSatisfy { vocabulary.contains(String($0)) })

        let greedy = try RNNTrainProcess.run(["sample", "--checkpoint", out.appendingPathComponent("checkpoint.safetensors").path,
                                              "--length", "10", "--greedy", "--backend", "cpu"])
        #expect(greedy.status == 0, "\(greedy.errors)")
        #expect(greedy.output.unicodeScalars.count == 10 + 1)
    }
}

extension CharLMCommandTests {
    /// The samples printed at the evaluations: the lines behind "  | " after each "step" line.
    static func samples(in output: String) -> [String] {
        var samples: [[Substring]] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("step ") {
                samples.append([])
            } else if line.hasPrefix("  | "), !samples.isEmpty {
                samples[samples.count - 1].append(line.dropFirst(4))
            }
        }
        return samples.filter { !$0.isEmpty }.map { $0.joined(separator: "\n") }
    }
}

/// Collects what the SVG holds: the root element, element counts and text content.
final class SVGChecker: NSObject, XMLParserDelegate {
    var root: String?
    var elements: [String: Int] = [:]
    var texts: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        elements[name, default: 0] += 1
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        text = ""
    }
}
