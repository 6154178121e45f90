import Foundation

/// Output helpers of the command-line tools. Results go to stdout; progress and diagnostics to
/// stderr, so that `tool ... > results.txt` keeps only results.
public enum Console {
    public static func error(_ message: String) {
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
    }

    /// Lines printed so far reach a pipe now rather than when the buffer fills: a long run is watched.
    public static func flush() {
        fflush(nil)
    }

    /// Whether stderr is a terminal: only then is a redrawn progress bar readable.
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
