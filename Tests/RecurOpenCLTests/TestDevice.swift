import Foundation
import RecurCLI
@testable import RecurOpenCL
import RecurTestSupport
import Testing

/// The device the OpenCL tests run on: the one RECUR_DEVICE names, mapped as the command lines map
/// it (`TestBackends.settings`), else the default; in its process-wide context, found once per test
/// process.
///
/// Without a device the device suites are skipped with a message saying so; with
/// RECUR_REQUIRE_OPENCL=1 (CI, where POCL is installed) they run anyway and fail on the missing device.
enum TestDevice {
    static let isRequired = ProcessInfo.processInfo.environment["RECUR_REQUIRE_OPENCL"] == "1"

    /// The device request of RECUR_DEVICE (nil: unset or blank, or an unusable setting, which
    /// `TestBackends` reports).
    static let request: String? = (try? TestBackends.settings.get())?.openCL.device

    static let context = Result<Context, OpenCLError> { () throws(OpenCLError) -> Context in
        DriverSettings.apply()
        return try Context.shared(for: DeviceSelection.select(request))
    }

    /// The test device.
    static func device() throws -> Device { try context.get().device }

    /// A backend on the test device with the default GEMM parameters (never the user's tuning cache).
    static func backend(sequenceLoop: OpenCLBackend.SequenceLoop = .automatic) throws -> OpenCLBackend {
        try OpenCLBackend(options: OpenCLBackendOptions(device: request, sequenceLoop: sequenceLoop))
    }

    static var isAvailable: Bool {
        if case .success = context { true } else { false }
    }

    /// Whether device tests run: when a device exists, or when one is required or named by
    /// RECUR_DEVICE (then they fail on the missing device rather than skip).
    static var shouldRun: Bool { isAvailable || isRequired || request != nil }

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
