import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM as a request to stop a long loop at its next safe point, rather
/// than the default, which kills the process wherever it is: a training run finishes its step,
/// saves what it has, and exits with 128 + the signal (130 for Ctrl-C), as a shell expects of a
/// program that stopped on a signal. A second signal exits at once with the same status, for the
/// case where the safe point is too far away (what the first one asked for may then be unsaved).
///
/// The signals are taken with DispatchSourceSignal, whose handler runs on a queue of its own and may
/// do anything; the loop only reads an atomic. The signals' action is set to "ignore" while the watch
/// runs, as the sources need, and `stop()` restores the action the process had (the default, unless
/// whoever started it said otherwise): outside the watched loop Ctrl-C kills the process as usual.
/// Libraries never do this: only the command lines own the signals.
public final class InterruptWatch {
    public static let signals: [Int32] = [SIGINT, SIGTERM]

    /// The first signal received, 0 while none has been.
    private let received: Received
    private var sources: [any DispatchSourceSignal] = []
    private var previousActions: [(signal: Int32, action: sigaction)] = []

    /// Starts watching; `secondSignalMessage` is printed (on stderr, on a line of its own) when a
    /// second signal ends the process at once.
    public init(secondSignalMessage: String) {
        let received = Received()
        self.received = received
        let queue = DispatchQueue(label: "recur.interrupt-watch")
        for number in Self.signals {
            var previous = sigaction()
            sigaction(number, nil, &previous)
            previousActions.append((number, previous))
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                guard received.record(number) else { return }
                // The second signal: the user wants out now. _exit, not exit: the main thread is in
                // the middle of its work, and atexit handlers or buffered output must not run under it.
                let text = "\n" + secondSignalMessage + "\n"
                FileHandle.standardError.write(Data(text.utf8))
                _exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The signal that asked the loop to stop (SIGINT or SIGTERM), nil while none has.
    public var requested: Int32? {
        let number = received.first
        return number == 0 ? nil : number
    }

    /// Ends the watch: the signals kill the process again. A request already made stays readable.
    public func stop() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for (number, action) in previousActions {
            var action = action
            sigaction(number, &action, nil)
        }
        previousActions.removeAll()
    }

    deinit { stop() }

    /// The signals received, shared between the sources' queue and the loop.
    private final class Received: Sendable {
        private let firstSignal = Atomic<Int32>(0)

        var first: Int32 { firstSignal.load(ordering: .acquiring) }

        /// Records a signal; true when one had come before (the second asks to exit now).
        func record(_ number: Int32) -> Bool {
            !firstSignal.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing).exchanged
        }
    }
}

/// A run that stopped on a signal, after saving what it had: `main` prints `message` and exits
/// with 128 + `signal` (130 for Ctrl-C).
public struct InterruptedRun: Error, CustomStringConvertible, Sendable {
    public let signal: Int32
    public let message: String

    public init(signal: Int32, message: String) {
        self.signal = signal
        self.message = message
    }

    public var description: String { message }
    public var exitStatus: Int32 { 128 + signal }
}
