import Foundation
import RecurCLI

/// Training progress on stderr: on a terminal a bar redrawn in place (step/total, smoothed loss,
/// throughput, ETA); elsewhere (a log file, a test's pipe) a plain line now and then, since carriage
/// returns make a log unreadable. Result lines go through `print` so that they never land in the
/// middle of the bar.
final class ProgressBar {
    private let totalSteps: Int?
    private let timeLimit: Double?
    private let firstStep: Int
    private let unitsPerStep: Int
    private let unitName: String
    private let interactive: Bool
    private let plainInterval: Double
    /// False on the ranks other than 0 of a data-parallel run: they keep the time, and print nothing.
    private let shown: Bool
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var lastPlain: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant
    private var barShown = false
    private(set) var smoothedLoss: Double?
    private var lastLine = ""

    /// `totalSteps` when the run stops at a step, `timeLimit` (seconds) when it stops at a time;
    /// `firstStep` is where a resumed run starts (throughput counts this run's steps only).
    init(totalSteps: Int?, timeLimit: Double?, firstStep: Int = 0, unitsPerStep: Int, unitName: String,
         interactive: Bool = Console.stderrIsTerminal, plainInterval: Double = 10, shown: Bool = true) {
        self.shown = shown
        self.totalSteps = totalSteps
        self.timeLimit = timeLimit
        self.firstStep = firstStep
        self.unitsPerStep = unitsPerStep
        self.unitName = unitName
        self.interactive = interactive
        self.plainInterval = plainInterval
        started = clock.now
        lastPlain = started
        lastDraw = started
    }

    /// Seconds since the bar was made: the run's training time.
    var elapsed: Double { Self.seconds(clock.now - started) }

    /// A new mean loss at `step`: smoothed (an exponential moving average, so that the figure reads
    /// steadily), then shown.
    func update(step: Int, loss: Double) {
        smoothedLoss = smoothedLoss.map { 0.7 * $0 + 0.3 * loss } ?? loss
        lastLine = line(step: step)
        guard shown else { return }
        if interactive {
            draw()
        } else if Self.seconds(clock.now - lastPlain) >= plainInterval {
            lastPlain = clock.now
            Console.error(lastLine)
        }
    }

    /// A step done with no new loss: on a terminal the bar moves on (at most a few times a second,
    /// and with no download, so the device is never made to wait for it).
    func tick(step: Int) {
        guard shown, interactive, Self.seconds(clock.now - lastDraw) >= 0.25 else { return }
        lastLine = line(step: step)
        draw()
    }

    /// A result line on stdout, with the bar taken down first and put back after.
    func print(_ text: String) {
        clear()
        Swift.print(text)
        Console.flush()
        if interactive && !lastLine.isEmpty { draw() }
    }

    /// Takes the bar down for good (the summary follows).
    func finish() {
        clear()
        lastLine = ""
    }

    private func draw() {
        lastDraw = clock.now
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + lastLine).utf8))
        barShown = true
    }

    private func clear() {
        guard barShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        barShown = false
    }

    func line(step: Int) -> String {
        let seconds = elapsed
        let done = step - firstStep
        let perSecond = seconds > 0 ? Double(done * unitsPerStep) / seconds : 0
        var fraction: Double?
        var remaining: Double?
        if let totalSteps, totalSteps > firstStep {
            fraction = Double(done) / Double(totalSteps - firstStep)
            if done > 0 { remaining = seconds / Double(done) * Double(totalSteps - step) }
        }
        if let timeLimit {
            let byTime = max(0, timeLimit - seconds)
            remaining = min(remaining ?? byTime, byTime)
            fraction = max(fraction ?? 0, min(1, seconds / timeLimit))
        }
        var parts: [String] = []
        parts.append("step \(step)" + (totalSteps.map { "/\($0)" } ?? ""))
        if let fraction {
            let width = 24, filled = min(width, Int((fraction * Double(width)).rounded(.down)))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
                         + String(format: " %3.0f%%", fraction * 100))
        }
        if let smoothedLoss { parts.append(String(format: "loss %.4f", smoothedLoss)) }
        parts.append("\(Self.compact(perSecond)) \(unitName)/s")
        if let remaining { parts.append("ETA " + Self.duration(remaining)) }
        return parts.joined(separator: "  ")
    }

    /// 950, 12.3k, 4.56M: throughput at a glance.
    static func compact(_ value: Double) -> String {
        switch value {
        case ..<1_000: return String(format: "%.0f", value)
        case ..<1_000_000: return String(format: "%.1fk", value / 1_000)
        default: return String(format: "%.2fM", value / 1_000_000)
        }
    }

    /// 42s, 3m07s, 1h02m.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
