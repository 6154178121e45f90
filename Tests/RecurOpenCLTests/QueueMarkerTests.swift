import Dispatch
import Foundation
import Recur
@testable import RecurOpenCL
import Testing

/// One queue waiting on another's marker (`CommandQueue.marker()`, `wait(for:)`), as the
/// whole-sequence loop's row parts do. OpenCL 1.2 (clFlush, section 5.13) guarantees such a wait
/// finishes only once the queue holding the marker has been flushed. POCL and Intel's runtime
/// submit without a flush; Mesa's rusticl does not, and without the flush in `marker()` this
/// test's waiting queue never finished there (it timed out below), as GPU drivers commonly do.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct QueueMarkers {
    @Test func aQueueWaitingOnAnotherQueuesMarkerFinishes() throws {
        let first = try TestDevice.queue(), second = try TestDevice.queue()
        let context = try TestDevice.context.get()
        let source = try Buffer(context: context, count: 1024), copy = try Buffer(context: context, count: 1024)
        try first.fill(source, with: Float(3))
        let marker = try first.marker()
        try second.wait(for: [marker])
        try second.copy(from: source, to: copy, count: 1024)
        // The waiting queue's finish on another thread, with a deadline: without the flush it never
        // returns, and a test that hangs is worse than one that fails. (A timed-out finish leaves
        // its thread blocked; the process ends anyway.)
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let waiting = second
        Thread.detachNewThread {
            try? waiting.finish()
            finished.signal()
        }
        let deadline = DispatchTime.now() + .seconds(30)
        guard finished.wait(timeout: deadline) == .success else {
            Issue.record("the queue waiting on another queue's marker did not finish in 30 s: the marker's queue was not flushed")
            return
        }
        #expect(try second.read(copy, offset: 0, count: 1024, as: Float.self).allSatisfy { $0 == 3 })
    }
}
