@testable import rnn_bench
import Synchronization
import Testing

/// `rnn-bench run`'s progress lines: on a terminal taken down before a table row, in a log plain lines.
@Suite struct StatusLineTests {
    final class Written: Sendable {
        let text = Mutex("")
        var value: String { text.withLock { $0 } }
    }

    @Test func onATerminalTheLineIsRedrawnInPlaceAndClearedBeforeAResult() {
        let written = Written()
        let line = StatusLine(interactive: true) { s in written.text.withLock { $0 += s } }
        line.show("  lstm on cpu: training 3/10 (2.0 s)")
        line.show("  lstm on cpu: training 6/10 (4.0 s)")
        line.clear()
        #expect(written.value == "\r\u{1B}[K  lstm on cpu: training 3/10 (2.0 s)\r\u{1B}[K  lstm on cpu: training 6/10 (4.0 s)\r\u{1B}[K")
        // Nothing shown: nothing to take down (no stray escape codes before every row).
        line.clear()
        #expect(written.value.hasSuffix("(4.0 s)\r\u{1B}[K"))
    }

    @Test func elsewhereEachProgressLineIsAPlainLine() {
        let written = Written()
        let line = StatusLine(interactive: false) { s in written.text.withLock { $0 += s } }
        line.show("  a: training 1/2 (2.0 s)")
        line.clear()
        line.show("  a: inference 1/2 (4.0 s)")
        #expect(written.value == "  a: training 1/2 (2.0 s)\n  a: inference 1/2 (4.0 s)\n")
    }
}
