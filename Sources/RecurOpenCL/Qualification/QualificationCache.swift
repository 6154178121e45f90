import Foundation
import Recur

/// Where a device's self-test verdicts are kept between processes: one JSON file per device and
/// driver version, `<directory>/qualification/<device>-<driver>.json`, next to the tuning cache
/// (the command lines pass the same directory). A record for other kernel sources, another format
/// or another device is ignored and the self-test runs again; an unreadable file too. Writes are
/// atomic (a temporary file renamed over the old one).
public struct QualificationCache: Sendable, Equatable {
    /// The cache's root: records go in its `qualification` folder.
    public let directory: String

    /// A cache under `directory`; nothing is read or written until `load` or `save`.
    public init(directory: String) { self.directory = directory }

    /// The record file of `device`: `<directory>/qualification/<device>-<driver>.json` (`GEMMTuningCache.fileName`).
    public func path(for device: Device) -> String {
        "\(directory)/qualification/\(GEMMTuningCache.fileName(device: device.name, driverVersion: device.driverVersion))"
    }

    /// The device's record when there is a valid one for this build's kernels.
    public func load(for device: Device) -> PathQualification? {
        guard let data = FileManager.default.contents(atPath: path(for: device)),
              let record = try? JSONDecoder().decode(PathQualification.self, from: data),
              record.format == PathQualification.currentFormat, record.device == device.name,
              record.driverVersion == device.driverVersion, record.kernels == KernelSources.fingerprint
        else { return nil }
        return record
    }

    /// Writes `record` as `device`'s file (`AtomicFile`: a temporary file renamed over the old one).
    public func save(_ record: PathQualification, for device: Device) throws(QualificationCacheError) {
        let path = path(for: device)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(record), to: URL(fileURLWithPath: path), creatingDirectory: true)
        } catch {
            throw QualificationCacheError(path: path, reason: "\(error)")
        }
    }
}

/// A qualification record that could not be written (the self-test's verdicts still hold for the
/// process; the next one tests again).
public struct QualificationCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The record file that could not be written.
    public let path: String
    /// Why, as the failure described it.
    public let reason: String
    /// `CustomStringConvertible`: the path and the reason.
    public var description: String { "cannot write the qualification cache \(path): \(reason)" }
}
