#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RecurCLI
import Testing

/// The driver settings the command lines make before the first OpenCL call (DriverSettings.swift).
@Suite struct DriverSettingsTests {
    /// POCL pins worker i to CPU i, and newer versions abort when that fails: pinning is asked for
    /// only when the process may run on exactly CPUs 0 ..< n.
    @Test func pinningOnlyWhereEveryCPUFromZeroIsAllowed() {
        #expect(DriverSettings.allowsExactlyCPUs(upTo: 2, cpusAllowedList: "0-1"))
        #expect(DriverSettings.allowsExactlyCPUs(upTo: 2, cpusAllowedList: " 0-1\n"))
        #expect(DriverSettings.allowsExactlyCPUs(upTo: 4, cpusAllowedList: "0,1-2,3"))
        #expect(DriverSettings.allowsExactlyCPUs(upTo: 1, cpusAllowedList: "0"))
        #expect(!DriverSettings.allowsExactlyCPUs(upTo: 2, cpusAllowedList: "2-3"))   // taskset to other CPUs
        #expect(!DriverSettings.allowsExactlyCPUs(upTo: 4, cpusAllowedList: "0-1"))   // a subset
        #expect(!DriverSettings.allowsExactlyCPUs(upTo: 2, cpusAllowedList: "0-3"))   // more than online
        #expect(!DriverSettings.allowsExactlyCPUs(upTo: 2, cpusAllowedList: "0-x"))
        #expect(!DriverSettings.allowsExactlyCPUs(upTo: 2, cpusAllowedList: ""))
        #expect(!DriverSettings.allowsExactlyCPUs(upTo: 2, cpusAllowedList: "1-0"))
    }

    /// Applying the settings keeps a value the environment already held, and sets nothing but
    /// POCL_AFFINITY=1.
    @Test func applyingKeepsTheUsersValue() {
        let before = getenv("POCL_AFFINITY").map { String(cString: $0) }
        DriverSettings.apply()
        let after = getenv("POCL_AFFINITY").map { String(cString: $0) }
        if let before { #expect(after == before) } else { #expect(after == nil || after == "1") }
    }
}
