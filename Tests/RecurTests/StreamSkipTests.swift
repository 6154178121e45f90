import Recur
import Testing

/// `TruncatedBPTT.skip(n)` leaves the streams where n calls of `next()` do, at any n, so that a
/// resumed run (whose step is read from a file) gets there at once instead of replaying every chunk.
@Suite struct StreamSkip {
    @Test func skipMatchesReplaying() throws {
        var random = SeededGenerator(seed: 99)
        for _ in 0..<60 {
            let documents = (0..<(1 + Int(random.next() % 3))).map { _ in
                (0..<(2 + Int(random.next() % 40))).map { _ in Int32(random.next() % 50) }
            }
            let batch = 1 + Int(random.next() % 5), chunk = 1 + Int(random.next() % 9), steps = Int(random.next() % 70)
            var replayed = try TruncatedBPTT(documents: documents, batch: batch, chunkLength: chunk)
            for _ in 0..<steps { _ = replayed.next() }
            var skipped = try TruncatedBPTT(documents: documents, batch: batch, chunkLength: chunk)
            skipped.skip(steps)
            for _ in 0..<3 {
                let (a, b) = (replayed.next(), skipped.next())
                #expect(a.inputs == b.inputs && a.targets == b.targets && a.resetStreams == b.resetStreams,
                        "\(documents.map(\.count)) batch \(batch) chunk \(chunk) steps \(steps)")
            }
        }
    }

    @Test func aHugeSkipIsImmediate() throws {
        var stream = try TruncatedBPTT(documents: [Array(0..<1000)], batch: 32, chunkLength: 100)
        stream.skip(Limits.maxTrainingSteps)
        #expect(stream.next().inputs.count == 3200)
    }
}
