import Foundation
import Recur

/// Where tuned GEMM parameters live: one JSON file (`TuningRecord`) per device and driver version,
/// `<directory>/tuning/<device>-<driver>.json`. The driver is part of the name because a new
/// driver brings a new compiler, and parameters measured under one say little about another.
///
/// Reading never fails: a missing file means the defaults, and an unreadable, corrupt or
/// mismatching one means the defaults too, with the reason kept in `TuningSource.ignored`, because a
/// stale cache must not stop a training run.
public struct GEMMTuningCache: Sendable, Equatable {
    /// The cache directory (the tuning files are in its `tuning` folder); nil when there is none
    /// (no HOME): then nothing is read and `save` fails.
    public let directory: String?
    /// False when the cache is switched off (RECUR_TUNING=off in the command lines): `lookup` then
    /// gives the defaults without reading anything.
    public let isEnabled: Bool

    /// A cache under `directory` (nil: none); nothing is read until `lookup`.
    public init(directory: String?, isEnabled: Bool = true) {
        self.directory = directory
        self.isEnabled = isEnabled
    }

    /// The XDG location of the cache directory: `xdgCacheHome`/recur when that is an absolute path
    /// (the XDG spec ignores relative ones), else `home`/.cache/recur, else nil. The caller reads
    /// XDG_CACHE_HOME and HOME (the library reads no environment); the command lines let
    /// RECUR_CACHE_DIR override the result.
    public static func standardDirectory(xdgCacheHome: String?, home: String?) -> String? {
        if let xdg = xdgCacheHome, xdg.hasPrefix("/") { return xdg + "/recur" }
        if let home, !home.isEmpty { return home + "/.cache/recur" }
        return nil
    }

    /// The file for a device name and driver version: characters other than ASCII letters, digits,
    /// `.`, `_` and `-` become `_` (device names hold spaces, `(R)`, `@`; driver versions `+` and
    /// `/`), a leading dot too (no hidden files, no `..`), and the stem is cut to 200 characters.
    public static func fileName(device: String, driverVersion: String) -> String {
        let safe = "\(device)-\(driverVersion)".unicodeScalars.map { scalar -> Character in
            let allowed = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
            return allowed ? Character(scalar) : "_"
        }
        var stem = String(safe.prefix(200))
        if stem.hasPrefix(".") { stem = "_" + stem.dropFirst() }
        return stem + ".json"
    }

    /// The path of `device`'s file, or nil without a cache directory.
    public func path(for device: Device) -> String? {
        path(device: device.name, driverVersion: device.driverVersion)
    }

    func path(device: String, driverVersion: String) -> String? {
        directory.map { "\($0)/tuning/\(Self.fileName(device: device, driverVersion: driverVersion))" }
    }

    /// The parameters for `device` and where they came from: the cache file when it exists, is
    /// valid and was recorded for this device and driver, else the defaults for its type.
    public func lookup(for device: Device) -> (tuning: GEMMTuning, source: TuningSource) {
        lookup(device: device.name, driverVersion: device.driverVersion, kind: device.kind,
               maxWorkGroupSize: device.maxWorkGroupSize, localMemoryBytes: device.localMemoryBytes)
    }

    func lookup(device: String, driverVersion: String, kind: Device.Kind, maxWorkGroupSize: Int,
                localMemoryBytes: Int = .max) -> (tuning: GEMMTuning, source: TuningSource) {
        let defaults = GEMMTuning.defaults(for: kind)
        guard isEnabled else { return (defaults, .disabled) }
        guard let path = path(device: device, driverVersion: driverVersion),
              FileManager.default.fileExists(atPath: path) else { return (defaults, .defaults) }
        func ignored(_ reason: String) -> (GEMMTuning, TuningSource) { (defaults, .ignored(path: path, reason: reason)) }
        let record: TuningRecord
        do {
            record = try TuningRecord.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            return ignored("not a tuning record (\(Self.describe(error)))")
        } catch {
            return ignored("unreadable (\(error.localizedDescription))")
        }
        guard record.format == TuningRecord.currentFormat else {
            return ignored("format \(record.format), this build reads \(TuningRecord.currentFormat)")
        }
        guard record.device == device, record.driverVersion == driverVersion else {
            return ignored("recorded for \(record.device), driver \(record.driverVersion); this is \(device), driver \(driverVersion)")
        }
        if let problem = record.tuning.problem(maxWorkGroupSize: maxWorkGroupSize, localMemoryBytes: localMemoryBytes) { return ignored(problem) }
        return (record.tuning, .cache(path: path))
    }

    /// Writes `record` as its device's file, atomically: a temporary file in the same directory,
    /// then a rename over the old one, so that a backend starting meanwhile reads the old file or
    /// the new one, never half of one. Returns the path.
    @discardableResult
    public func save(_ record: TuningRecord) throws(TuningCacheError) -> String {
        guard let path = path(device: record.device, driverVersion: record.driverVersion) else { throw .noDirectory }
        // AtomicFile: a killed `rnn-bench tune` leaves the old record or the whole new one, flushed.
        let data: Data
        do { data = try record.encoded() } catch { throw .cannotWrite(path: path, reason: error.localizedDescription) }
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path), creatingDirectory: true)
        } catch {
            throw .cannotWrite(path: path, reason: "\(error.action): \(error.reason)")
        }
        return path
    }

    /// The decoding error's gist, with the path to the offending key.
    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case let .dataCorrupted(context): return at(context)
        case let .keyNotFound(key, context): return "missing \(key.stringValue) in \(at(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): return at(context)
        @unknown default: return "\(error)"
        }
    }
}

/// Why a tuning record could not be saved.
public enum TuningCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No cache directory (`directory` is nil; in the command lines: neither RECUR_CACHE_DIR,
    /// XDG_CACHE_HOME nor HOME is set).
    case noDirectory
    /// Writing the record file at `path` failed; `reason` says why.
    case cannotWrite(path: String, reason: String)

    /// `CustomStringConvertible`: what failed; for a missing directory, the variables that set one.
    public var description: String {
        switch self {
        case .noDirectory:
            return "no cache directory: set RECUR_CACHE_DIR (or XDG_CACHE_HOME or HOME)"
        case let .cannotWrite(path, reason):
            return "cannot write the tuning cache \(path): \(reason)"
        }
    }
}
