import COpenCL
import Recur
@testable import RecurOpenCL
import Testing

/// Freed buffers' memory objects come back for the next buffer of the same size on the same
/// backend, never on another backend (whose queue is not ordered with this one's).
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct BufferRecycling {
    @Test func aFreedBufferIsReusedForTheSameSizeOnTheSameBackend() throws {
        let backend = try TestDevice.backend()
        var first: Buffer? = try #require(try backend.makeBuffer(count: 1000) as? Buffer)
        let handle = first!.raw
        first = nil
        let other = try #require(try backend.makeBuffer(count: 999) as? Buffer)
        #expect(other.raw != handle)
        var again: Buffer? = try #require(try backend.makeBuffer(count: 1000) as? Buffer)
        #expect(again!.raw == handle)
        // makeBuffer still promises zeros when the memory it reuses held values.
        try backend.upload([Float](repeating: 7, count: 1000), to: again!, offset: 0)
        again = nil
        let dirty = handle
        let zeroed = try #require(try backend.makeBuffer(count: 1000) as? Buffer)
        #expect(zeroed.raw == dirty)
        #expect(try backend.download(zeroed, offset: 0, count: 1000).allSatisfy { $0 == 0 })
    }

    @Test func anotherBackendsBufferIsNotOwned() throws {
        let a = try TestDevice.backend(), b = try TestDevice.backend()
        let buffer = try a.makeBuffer(count: 4)
        #expect(a.owns(buffer))
        #expect(!b.owns(buffer))
    }

    @Test func theRecyclerKeepsNoMoreThanItsLimit() throws {
        let context = try TestDevice.context.get()
        let recycler = BufferRecycler(limitBytes: 4096)
        var first: Buffer? = try Buffer(context: context, count: 1024, recycler: recycler)   // 4096 bytes: kept
        var second: Buffer? = try Buffer(context: context, count: 1024, recycler: recycler)  // over the limit: released
        let kept = first!.raw
        first = nil
        #expect(second != nil)
        second = nil
        #expect(recycler.take(bytes: 4096) == kept)
        #expect(recycler.take(bytes: 4096) == nil)
        clReleaseMemObject(kept)
    }
}
