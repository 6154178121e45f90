import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Recur
import RecurCPU
import Testing
@testable import rnn_train

/// rnn-train's parts on their own: the task's encoding, the vocabulary, the history files, the
/// settings a resumed run takes.
@Suite struct UnitTests {
    @Test func additionIsEncodedLeastSignificantBitFirstWithTheCarryLast() {
        // 3 + 1 = 4 and 255 + 255 = 510, at 8 bits: 9 steps, time-major.
        let batch = BinaryAdditionTask.encode([(3, 1), (255, 255)], bits: 8)
        #expect(batch.steps == 9 && batch.batch == 2)
        let sums = (0..<2).map { b in (0..<9).reduce(0) { $0 | Int(batch.targets[$1 * 2 + b]) << $1 } }
        #expect(sums == [4, 510])
        // Step 0 of pair 0 reads bit 0 of 3 and of 1; the last step reads zeros.
        #expect(Array(batch.features[0..<2]) == [1, 1])
        #expect(Array(batch.features[(8 * 2) * 2..<(8 * 2) * 2 + 4]) == [0, 0, 0, 0])
    }

    @Test func heldOutPairsAreNeverTrainedOn() {
        let task = BinaryAdditionTask(bits: 8)
        let heldOut = task.heldOutPairs()
        #expect((5_000..<8_000).contains(heldOut.count), "about a tenth of 65,536")
        var generator = SeededGenerator(seed: 1)
        #expect(task.trainingPairs(2_000, using: &generator).allSatisfy { !BinaryAdditionTask.isHeldOut($0.0, $0.1) })
    }

    @Test func anUntrainedModelIsNearChanceAndEvaluationCountsExactSums() throws {
        let model = try RecurrentModel(BinaryAdditionTask.modelConfiguration(mode: .gru, hiddenSize: 8, numLayers: 1),
                                       backend: CPUBackend(), seed: 3)
        var generator = SeededGenerator(seed: 2)
        let accuracy = try BinaryAdditionTask.evaluate(model, pairs: BinaryAdditionTask.randomPairs(300, bits: 16, using: &generator),
                                                       bits: 16, batchSize: 128)
        #expect((0.2...0.8).contains(accuracy.bits))
        #expect(accuracy.exact < 0.05)
    }

    @Test func theVocabularyIsSortedByCodePointAndRoundTripsThroughJSON() throws {
        let vocabulary = Vocabulary(of: "hello, wörld\n\"quoted\" \\")
        #expect(vocabulary.characters == vocabulary.characters.sorted())
        #expect(vocabulary.characters.first == "\n")
        let again = try Vocabulary(json: vocabulary.json)
        #expect(again == vocabulary)
        let tokens = try vocabulary.encode("wörld", what: "text")
        #expect(vocabulary.decode(tokens) == "wörld")
        #expect(throws: RNNTrainFailure.self) { try vocabulary.encode("xyz", what: "the prompt") }
        #expect(throws: RNNTrainFailure.self) { try Vocabulary(json: #"["ab"]"#) }
    }

    @Test func theCorpusSplitsNinetyTenByPosition() throws {
        let directory = try RNNTrainProcess.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try RNNTrainProcess.write(String(repeating: "abcd\r\n", count: 50), named: "t.txt", in: directory)
        let corpus = try CharCorpus(path: path, chunkLength: 10)
        // "\r\n" reads as "\n", as in Python's text mode: 250 characters, int(0.9 * 250) = 225.
        #expect(corpus.vocabulary.characters == ["\n", "a", "b", "c", "d"])
        #expect(corpus.train.count == 225 && corpus.validation.count == 25)
        #expect(corpus.vocabulary.decode(Array(corpus.train.prefix(6))) == "abcd\na")
    }

    @Test func historyRoundTripsAndTheChartHasRoundTicks() throws {
        let rows = [HistoryRow(step: 10, trainLoss: 3.5, valLoss: nil, seconds: 1.25),
                    HistoryRow(step: 20, trainLoss: 2.25, valLoss: 2.5, seconds: 2.5)]
        #expect(try History.parse(History.csv(rows)) == rows)
        #expect(HistoryChart.ticks(0, 1930) == [0, 500, 1000, 1500, 2000])
        #expect(HistoryChart.ticks(1.12, 4.3) == [1, 2, 3, 4, 5])
        #expect(HistoryChart.ticks(0.61, 1.32) == [0.6, 0.8, 1, 1.2, 1.4])
        #expect(HistoryChart.label(0.30000000000000004) == "0.3")
        let svg = HistoryChart.svg(rows, title: "a <b> & \"c\"")
        #expect(XMLParser(data: Data(svg.utf8)).parse())
    }

    @Test func theCarriedStateRoundTripsExactly() {
        let values: [Float] = [0, -0, 1.5, -3.25e-12, .pi, Float.greatestFiniteMagnitude, Float.leastNonzeroMagnitude]
        let decoded = TrainingCheckpoint.floats(TrainingCheckpoint.base64(values))
        #expect(decoded?.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func aResumedRunTakesTheCheckpointsSettingsUnlessAnOptionIsGiven() throws {
        var stored = TrainSettings.charLMDefaults
        stored.hidden = 48; stored.batch = 8; stored.optimizer = .sgd(learningRate: 0.5, momentum: 0.9); stored.seed = 7
        stored.schedule = ScheduleSettings(kind: .cosine, warmup: 10, total: 100)
        let command = try TrainCommand.parse(["--text", "x", "--lr", "0.1", "--batch", "16"])
        let settings = try command.settings(defaults: .charLMDefaults, stored: stored, storedModel: nil, targetSteps: 200)
        #expect(settings.hidden == 48 && settings.seed == 7 && settings.schedule == stored.schedule)
        #expect(settings.batch == 16)
        #expect(settings.optimizer.kind == .sgd && settings.optimizer.learningRate == 0.1 && settings.optimizer.momentum == 0.9)
        // Another optimizer does not inherit SGD's momentum.
        let adam = try TrainCommand.parse(["--text", "x", "--optimizer", "adamw"])
            .settings(defaults: .charLMDefaults, stored: stored, storedModel: nil, targetSteps: 200)
        #expect(adam.optimizer.kind == .adamW && adam.optimizer.momentum == 0 && adam.optimizer.weightDecay == 0.01)
    }

    @Test func schedulesFollowTheOptions() throws {
        func schedule(_ arguments: [String]) throws -> LearningRateSchedule {
            try TrainCommand.parse(["--text", "x", "--lr", "1"] + arguments)
                .settings(defaults: .charLMDefaults, stored: nil, storedModel: nil, targetSteps: 90).learningRateSchedule
        }
        #expect(try schedule([]) == .constant)
        let warm = try schedule(["--warmup", "10"])
        #expect(warm.rate(1, step: 5) == 0.5 && warm.rate(1, step: 10) == 1 && warm.rate(1, step: 80) == 1)
        #expect(try schedule(["--schedule", "cosine"]) == .cosine(warmup: 0, total: 90, minimum: 0))
        #expect(try schedule(["--schedule", "step", "--gamma", "0.5"]) == .step(every: 30, gamma: 0.5))
        #expect(throws: (any Error).self) { try schedule(["--schedule", "step", "--warmup", "3"]) }
    }
}
