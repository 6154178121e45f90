import Recur
import RecurTestSupport
import Testing

/// `Backend.makeHostStaging`, `enqueueRead` and `enqueueWrite` (the data-parallel all-reduce's
/// transfers), on every backend: values arrive at the asked offsets after `synchronize()`, writes
/// run before later work on the queue, and sizes are checked.
@Suite struct HostStagingTests {
    @Test("a staged read and write carry values both ways, at offsets", arguments: TestBackends.names)
    func roundTrip(backend name: String) throws {
        let backend = try TestBackends.make(name)
        let values = (0..<37).map { Float($0) * 0.5 - 3 }
        let buffer = try backend.makeBuffer(count: 40)
        try backend.upload(values, to: buffer, offset: 3)
        let staging = try backend.makeHostStaging(count: 50)
        #expect(staging.count == 50)
        #expect(staging.values.allSatisfy { $0 == 0 })

        try backend.enqueueRead(buffer, offset: 3, count: 37, into: staging, at: 7)
        try backend.synchronize()
        #expect(Array(staging.values[7..<44]) == values)
        #expect(staging.values[0..<7].allSatisfy { $0 == 0 } && staging.values[44...].allSatisfy { $0 == 0 })

        for index in 7..<44 { staging.values[index] *= -2 }
        let other = try backend.makeBuffer(count: 37)
        try backend.enqueueWrite(from: staging, at: 7, count: 37, to: other, offset: 0)
        // Queued after the write: sees the written values (the queue is in order).
        let sum = try backend.makeBuffer(count: 37)
        try backend.axpy(alpha: 1, Matrix(other, offset: 0, rows: 1, cols: 37), Matrix(sum, offset: 0, rows: 1, cols: 37))
        #expect(try backend.download(sum, offset: 0, count: 37) == values.map { $0 * -2 })
    }

    @Test("ranges outside the staging or the buffer are typed errors", arguments: TestBackends.names)
    func ranges(backend name: String) throws {
        let backend = try TestBackends.make(name)
        let buffer = try backend.makeBuffer(count: 8)
        let staging = try backend.makeHostStaging(count: 4)
        #expect(throws: RecurError.self) { try backend.enqueueRead(buffer, offset: 0, count: 5, into: staging, at: 0) }
        #expect(throws: RecurError.self) { try backend.enqueueRead(buffer, offset: 0, count: 2, into: staging, at: 3) }
        #expect(throws: RecurError.self) { try backend.enqueueRead(buffer, offset: 7, count: 2, into: staging, at: 0) }
        #expect(throws: RecurError.self) { try backend.enqueueWrite(from: staging, at: -1, count: 2, to: buffer, offset: 0) }
        #expect(throws: RecurError.self) { try backend.enqueueWrite(from: staging, at: 0, count: 4, to: buffer, offset: 6) }
    }
}
