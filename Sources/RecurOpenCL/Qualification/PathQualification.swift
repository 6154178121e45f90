import Foundation

/// Which `DevicePath`s a device runs correctly, and why not where it does not: the self-test's
/// verdicts (`PathSelfTest`), cached per device, driver and kernel sources (`QualificationCache`).
public struct PathQualification: Codable, Sendable, Equatable {
    /// One path's verdict.
    public struct Verdict: Codable, Sendable, Equatable {
        /// Whether the backend may choose the path on this device.
        public let qualified: Bool
        /// What was checked ("3 cases agree with the CPU backend") or what went wrong.
        public let reason: String
        /// Seconds the path's self-test took.
        public let seconds: Double

        /// Memberwise.
        public init(qualified: Bool, reason: String, seconds: Double = 0) {
            self.qualified = qualified
            self.reason = reason
            self.seconds = seconds
        }
    }

    /// Bumped when the self-test or this record changes meaning.
    public static let currentFormat = 1
    /// `currentFormat` when written; a cached record of another format is ignored.
    public let format: Int
    /// The name (`Device.name`) of the device tested.
    public let device: String
    /// The driver version (`Device.driverVersion`) tested.
    public let driverVersion: String
    /// `KernelSources.fingerprint` of the build that ran the self-test: new kernels are tested again.
    public let kernels: String
    /// Verdicts by path; a path without one is not applicable to the device (never chosen).
    public let verdicts: [DevicePath: Verdict]

    /// A record in the current format; `kernels` defaults to this build's sources.
    public init(device: String, driverVersion: String, kernels: String = KernelSources.fingerprint,
                verdicts: [DevicePath: Verdict]) {
        format = Self.currentFormat
        self.device = device
        self.driverVersion = driverVersion
        self.kernels = kernels
        self.verdicts = verdicts
    }

    /// Every path qualified without a test: the self-test's own backends, which must run the path
    /// under test whatever a verdict says.
    static func untested(_ device: Device) -> PathQualification {
        PathQualification(device: device.name, driverVersion: device.driverVersion, verdicts: Dictionary(
            uniqueKeysWithValues: DevicePath.allCases.map { ($0, Verdict(qualified: true, reason: "not tested (self-test backend)")) }))
    }

    /// Whether `path` has a verdict and it qualified.
    public func allows(_ path: DevicePath) -> Bool { verdicts[path]?.qualified == true }

    /// The paths that failed, with their reasons, for a backend's description and `devices`.
    public var failures: [(path: DevicePath, reason: String)] {
        verdicts.filter { !$0.value.qualified }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.reason) }
    }

    /// One line a path for `rnn-bench devices`.
    public var lines: [String] {
        verdicts.sorted { $0.key < $1.key }.map { path, verdict in
            "\(path.rawValue): \(verdict.qualified ? "qualified" : "NOT QUALIFIED"), \(verdict.reason)"
                + String(format: " (%.2f s)", verdict.seconds)
        }
    }
}

extension DevicePath: CodingKeyRepresentable {}
