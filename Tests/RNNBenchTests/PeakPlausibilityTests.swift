@testable import rnn_bench
import Testing

/// `rnn-bench peak`'s check that no GEMM is shown above 100% of the FMA loop's peak without a word.
@Suite struct PeakPlausibilityTests {
    @Test func aGEMMBelowThePeakNeedsNoSecondMeasurement() {
        var calls = 0
        var check = PeakPlausibility(peakGFLOPs: 100, peakName: "the CPU FMA peak") { calls += 1; return 500 }
        let share = check.share(of: 80, what: "cpu GEMM a")
        #expect(share.percent == 80 && share.warning == nil)
        #expect(calls == 0 && check.peakGFLOPs == 100)
    }

    @Test func aGEMMAboveADisturbedPeakIsMeasuredAgainstASecondMeasurement() {
        var calls = 0
        var check = PeakPlausibility(peakGFLOPs: 100, peakName: "the CPU FMA peak") { calls += 1; return 250 }
        let share = check.share(of: 208, what: "cpu GEMM a")
        #expect(calls == 1 && check.peakGFLOPs == 250)
        #expect(share.warning == nil)
        #expect(abs(share.percent - 83.2) < 1e-9)
    }

    @Test func aGEMMStillAboveThePeakIsWarnedAboutAndThePeakMeasuredOnlyOnce() throws {
        var calls = 0
        var check = PeakPlausibility(peakGFLOPs: 100, peakName: "the CPU FMA peak") { calls += 1; return 90 }
        let first = check.share(of: 208, what: "cpu GEMM recurrent step")
        // The lower second measurement does not replace the first: a disturbed one reads low.
        #expect(check.peakGFLOPs == 100 && first.percent == 208)
        let warning = try #require(first.warning)
        #expect(warning.contains("cpu GEMM recurrent step ran at 208% of the CPU FMA peak"), "\(warning)")
        #expect(warning.contains("likely disturbed"), "\(warning)")
        let second = check.share(of: 150, what: "cpu GEMM b")
        #expect(calls == 1)
        #expect(second.warning?.contains("150%") == true)
    }

    @Test func exactlyThePeakIsNotAWarning() {
        var check = PeakPlausibility(peakGFLOPs: 100, peakName: "the CPU FMA peak") { 100 }
        #expect(check.share(of: 100, what: "x").warning == nil)
    }
}
