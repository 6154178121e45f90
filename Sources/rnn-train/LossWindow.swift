/// The training loss printed beside the validation loss at an evaluation: the mean over every step
/// since the previous evaluation (or since the run started or resumed), with those steps named in
/// the label. The figure printed before was the progress bar's moving average, whose window the
/// output did not say and which mostly weighed the last few log rows.
struct LossWindow {
    private var sum = 0.0
    private var steps = 0
    private var first: Int
    private var last: Int

    /// A window that starts after `step` (the run's first step is `step + 1`).
    init(after step: Int) {
        first = step + 1
        last = step
    }

    /// A history row's loss: the mean of the steps after the previous row, through `step`.
    mutating func add(mean: Double, through step: Int) {
        sum += mean * Double(step - last)
        steps += step - last
        last = step
    }

    /// "train 1.2345 (mean of steps 11-20)", and a new window from the next step on.
    mutating func take() -> String {
        let steps = self.steps == 0 ? "no steps" : first == last ? "step \(last)" : "steps \(first)-\(last)"
        let text = "train " + (self.steps == 0 ? "-" : Self.figure(sum / Double(self.steps))) + " (mean of \(steps))"
        self = LossWindow(after: last)
        return text
    }

    private static func figure(_ value: Double) -> String {
        String(format: "%.4f", value)
    }
}
