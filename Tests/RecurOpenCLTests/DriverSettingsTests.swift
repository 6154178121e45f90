#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import RecurOpenCL
import Testing

/// The driver settings made before the first OpenCL call (DriverSettings.swift).
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct DriverSettingsTests {
    /// Listing the platforms pins POCL's workers: POCL_AFFINITY is set, to 1 unless the
    /// environment already held a value (CI and users may override it), which stays as it was.
    @Test func listingPlatformsSetsPOCLAffinity() throws {
        let before = getenv("POCL_AFFINITY").map { String(cString: $0) }
        _ = try Platform.all()
        let after = getenv("POCL_AFFINITY").map { String(cString: $0) }
        #expect(after == (before ?? "1"))
    }
}
