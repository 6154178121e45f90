import COpenCL

/// An event that completes when everything enqueued on its queue before it has run
/// (clEnqueueMarkerWithWaitList), so that another queue can wait for that point
/// (`CommandQueue.wait(for:)`) without the host waiting. Releases the event when freed.
final class QueueMarker {
    let raw: cl_event

    fileprivate init(_ raw: cl_event) { self.raw = raw }

    deinit { clReleaseEvent(raw) }
}

extension CommandQueue {
    /// A marker after everything enqueued so far, with this queue flushed. Another queue may wait
    /// for it only after the flush: OpenCL 1.2 (clFlush, section 5.13) guarantees a wait on an
    /// event of another queue to finish only once that queue has been flushed. POCL and Intel's
    /// runtime submit without one; Mesa's rusticl (and GPU drivers commonly) do not, and a queue
    /// waiting there for an unflushed marker never ran (QueueMarkerTests).
    func marker() throws(OpenCLError) -> QueueMarker {
        var event: cl_event? = nil
        try check("clEnqueueMarkerWithWaitList", clEnqueueMarkerWithWaitList(raw, 0, nil, &event))
        guard let event else { throw .call("clEnqueueMarkerWithWaitList", CLStatus(CL_OUT_OF_HOST_MEMORY)) }
        let marker = QueueMarker(event)
        try flush()
        return marker
    }

    /// Nothing enqueued after this runs before every marker has completed (a barrier with a wait
    /// list: the queues may belong to other threads of the same device).
    func wait(for markers: [QueueMarker]) throws(OpenCLError) {
        guard !markers.isEmpty else { return }
        let events: [cl_event?] = markers.map(\.raw)
        let status = events.withUnsafeBufferPointer {
            clEnqueueBarrierWithWaitList(raw, cl_uint($0.count), $0.baseAddress, nil)
        }
        try check("clEnqueueBarrierWithWaitList", status)
        // `events` holds raw handles only: keep the markers (which release them) alive past the call.
        withExtendedLifetime(markers) {}
    }
}
