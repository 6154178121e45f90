import Foundation
import RecurCLI
import Synchronization

/// The progress line of a long measurement on stderr. On a terminal it is drawn without a newline
/// and redrawn in place, and `clear()` takes it down before a result line goes to stdout: both
/// streams share the screen, and a progress line ended with a newline stayed there, between the
/// table's rows. Elsewhere (a log, a pipe) each progress line is a plain line: carriage returns
/// and escape codes make a log unreadable, and there the streams are apart anyway.
final class StatusLine: Sendable {
    static let standardError = StatusLine(interactive: Console.stderrIsTerminal) {
        FileHandle.standardError.write(Data($0.utf8))
    }

    /// Back to the line's start, then erase to its end (ANSI EL).
    static let erase = "\r\u{1B}[K"

    private let interactive: Bool
    private let write: @Sendable (String) -> Void
    /// Whether a line is on the terminal now (only ever when interactive).
    private let shown = Mutex(false)

    init(interactive: Bool, write: @escaping @Sendable (String) -> Void) {
        self.interactive = interactive
        self.write = write
    }

    /// Shows `line` in place of the previous one (interactive), or as a line of its own.
    func show(_ line: String) {
        shown.withLock { shown in
            if interactive {
                write(Self.erase + line)
                shown = true
            } else {
                write(line + "\n")
            }
        }
    }

    /// Takes the line down, if one is shown: call before printing a result.
    func clear() {
        shown.withLock { shown in
            guard shown else { return }
            write(Self.erase)
            shown = false
        }
    }
}
