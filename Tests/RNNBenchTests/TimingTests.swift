import Foundation
@testable import rnn_bench
import Testing

/// `Timing.measure`'s warm-up: a count, and a minimum time on top of it.
@Suite struct TimingWarmup {
    @Test func warmsUpForAtLeastTheMinimumTimeThenTimesTheRepeats() throws {
        var calls = 0
        var lastTotal = 0
        let clock = ContinuousClock()
        let start = clock.now
        let stats = try Timing.measure(warmup: 1, minimumWarmup: .milliseconds(40), repeats: 3, afterEach: { done, total in
            #expect(done <= total)
            lastTotal = total
        }) {
            calls += 1
            Thread.sleep(forTimeInterval: 0.002)
        }
        // About 20 warm-up runs of 2 ms fill 40 ms; the timed runs come after them.
        #expect(clock.now - start >= .milliseconds(46))
        #expect(calls >= 3 + 10)
        #expect(lastTotal == calls)
        #expect(stats.median >= 2)
    }

    @Test func aCountAloneStillWarmsUpThatManyTimes() throws {
        var calls = 0
        _ = try Timing.measure(warmup: 4, repeats: 2) { calls += 1 }
        #expect(calls == 6)
    }
}
