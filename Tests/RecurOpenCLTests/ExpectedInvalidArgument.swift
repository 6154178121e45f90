@testable import RecurOpenCL
import Testing

/// The message of the `.invalidArgument` error `body` throws; nil, with an issue recorded, when it
/// throws another error or none. A test that only pattern-matched the case and returned on a
/// mismatch passed when the wrong error came: this records the mismatch instead.
@discardableResult
func expectInvalidArgument(sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: () throws(OpenCLError) -> Void) -> String? {
    let error = thrownError(sourceLocation: sourceLocation, body)
    guard let error else { return nil }
    guard case let .invalidArgument(message) = error else {
        Issue.record("expected invalidArgument, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
    return message
}

@Suite struct ExpectedInvalidArgument {
    @Test func theMessageOfAnInvalidArgumentIsReturned() {
        #expect(expectInvalidArgument { () throws(OpenCLError) in throw .invalidArgument("bad size") } == "bad size")
    }

    /// The mismatch the old `guard case ... else { return }` let through is now a failure.
    @Test func anotherErrorOrNoneIsRecorded() {
        withKnownIssue {
            _ = expectInvalidArgument { () throws(OpenCLError) in throw .noPlatform }
        }
        withKnownIssue {
            _ = expectInvalidArgument { () throws(OpenCLError) in }
        }
    }
}
