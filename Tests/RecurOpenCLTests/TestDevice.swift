import Foundation
@testable import RecurOpenCL
import Testing

/// The device the OpenCL tests run on: `DeviceSelection.select()` (so RECUR_DEVICE applies), in
/// its process-wide context, found once per test process.
///
/// Without a device the device suites are skipped with a message saying so; with
/// RECUR_REQUIRE_OPENCL=1 (CI, where POCL is installed) they run anyway and fail on the missing device.
enum TestDevice {
    static let isRequired = ProcessInfo.processInfo.environment["RECUR_REQUIRE_OPENCL"] == "1"

    static let context = Result<Context, OpenCLError> { () throws(OpenCLError) -> Context in
        try Context.shared(for: DeviceSelection.select())
    }

    static var isAvailable: Bool {
        if case .success = context { true } else { false }
    }

    /// Whether device tests run: when a device exists, or when one is required or named by
    /// RECUR_DEVICE (then they fail on the missing device rather than skip).
    static var shouldRun: Bool { isAvailable || isRequired || !(DeviceSelection.environmentRequest ?? "").isEmpty }

    static let skipReason: Comment = "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"

    /// A fresh queue (queues own their kernel objects, so tests do not share them).
    static func queue(defines: [String: String] = [:]) throws -> CommandQueue {
        try CommandQueue(context: context.get(), defines: defines)
    }
}

/// The error `body` throws, or nil (recorded as an issue) when it throws none.
func thrownError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(OpenCLError) -> Void) -> OpenCLError? {
    do {
        try body()
        Issue.record("expected an OpenCLError, none was thrown", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Always runs, so a missing device is visible in every test run, and a failure where one is
/// required (RECUR_REQUIRE_OPENCL=1) or asked for (RECUR_DEVICE).
@Test func openCLDeviceIsAvailableWhenRequired() {
    switch TestDevice.context {
    case let .success(context):
        print("OpenCL tests run on \(context.device.summary), \(context.device.openCLVersion), driver \(context.device.driverVersion)")
    case let .failure(error):
        if TestDevice.shouldRun {
            Issue.record("RECUR_REQUIRE_OPENCL=1 or RECUR_DEVICE is set, but there is no usable OpenCL device: \(error)")
        } else {
            print("OpenCL device tests are SKIPPED: \(error)")
        }
    }
}
