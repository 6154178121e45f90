import Testing
@testable import rnn_train

/// The training loss printed at an evaluation: the mean of the steps since the last one, labelled so.
@Suite struct LossWindowTests {
    @Test func rowsOfDifferentLengthsAreWeighedByTheirSteps() {
        var window = LossWindow(after: 0)
        window.add(mean: 2, through: 5)   // steps 1-5
        window.add(mean: 1, through: 10)  // steps 6-10
        window.add(mean: 4, through: 12)  // steps 11-12, a row cut short by a checkpoint
        #expect(window.take() == "train 1.9167 (mean of steps 1-12)")
        window.add(mean: 3, through: 20)
        #expect(window.take() == "train 3.0000 (mean of steps 13-20)")
    }

    @Test func aResumedRunCountsFromItsCheckpointsStep() {
        var window = LossWindow(after: 100)
        window.add(mean: 0.5, through: 101)
        #expect(window.take() == "train 0.5000 (mean of step 101)")
        #expect(window.take() == "train - (mean of no steps)")
    }
}
