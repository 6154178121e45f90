import Foundation
import Recur
import RecurCPU
@testable import RecurOpenCL
import Testing

/// The GEMM tuning cache: its file format and name, and what `OpenCLBackend` does with a good, a
/// corrupt and a mismatching file. Each test has its own temporary cache directory, passed
/// explicitly (the process environment is shared by tests running in parallel).
@Suite struct TuningCacheFiles {
    let tuned = GEMMTuning(packed: true, rowsPerItem: 2, colsPerItem: 4, workGroupRows: 8, workGroupCols: 4,
                           localTiles: true, tileDepth: 32, packedRows: 2, packedGroup: 4)

    func record(device: String, driver: String, tuning: GEMMTuning) -> TuningRecord {
        TuningRecord(device: device, vendor: "Vendor", driverVersion: driver, openCLVersion: "OpenCL 3.0", tuning: tuning,
                     shapes: [.init(name: "recurrent step", m: 64, n: 2048, k: 512, transA: false, transB: true,
                                    defaultGFLOPs: 100.5, tunedGFLOPs: 120.25)],
                     date: Date(timeIntervalSince1970: 1_790_000_000))   // whole seconds: ISO 8601 keeps no fraction
    }

    @Test func aRecordSurvivesJSON() throws {
        let original = record(device: "Some GPU", driver: "1.2.3", tuning: tuned)
        let decoded = try TuningRecord.decode(original.encoded())
        #expect(decoded == original)
        #expect(decoded.tuning.packedRows == 2)
        // The kernel's own GEMM_MR default is kept as an absent value, not as 0.
        let withDefaultRows = record(device: "d", driver: "v", tuning: GEMMTuning(packed: true))
        #expect(try TuningRecord.decode(withDefaultRows.encoded()).tuning.packedRows == nil)
        let json = String(decoding: try original.encoded(), as: UTF8.self)
        for key in ["\"device\"", "\"vendor\"", "\"driverVersion\"", "\"openCLVersion\"", "\"date\"", "\"tuning\"",
                    "\"defaultGFLOPs\"", "\"tunedGFLOPs\"", "2026-"] {
            #expect(json.contains(key), "\(key) missing from \(json)")
        }
    }

    @Test func fileNamesKeepOnlySafeCharacters() {
        #expect(GEMMTuningCache.fileName(device: "pthread-skylake-avx512-AMD EPYC 7B13", driverVersion: "3.1+debian")
                == "pthread-skylake-avx512-AMD_EPYC_7B13-3.1_debian.json")
        #expect(GEMMTuningCache.fileName(device: "Intel(R) Core(TM) i7 @ 3.0GHz", driverVersion: "2023.16.7/x")
                == "Intel_R__Core_TM__i7___3.0GHz-2023.16.7_x.json")
        #expect(GEMMTuningCache.fileName(device: "../../etc/passwd", driverVersion: "1") == "_._.._etc_passwd-1.json")
        #expect(GEMMTuningCache.fileName(device: "Gerät ü", driverVersion: "") == "Ger_t__-.json")
        let long = GEMMTuningCache.fileName(device: String(repeating: "x", count: 500), driverVersion: "1")
        #expect(long.count == 205)
        #expect(!long.contains("/"))
    }

    /// The XDG location; RECUR_CACHE_DIR and the switch are the command lines' (RecurCLITests).
    @Test func theStandardDirectoryFollowsXDG() {
        #expect(GEMMTuningCache.standardDirectory(xdgCacheHome: "/b", home: "/c") == "/b/recur")
        #expect(GEMMTuningCache.standardDirectory(xdgCacheHome: "relative", home: "/c") == "/c/.cache/recur")
        #expect(GEMMTuningCache.standardDirectory(xdgCacheHome: nil, home: "/c") == "/c/.cache/recur")
        #expect(GEMMTuningCache.standardDirectory(xdgCacheHome: nil, home: "") == nil)
        #expect(GEMMTuningCache.standardDirectory(xdgCacheHome: nil, home: nil) == nil)
    }

    @Test func withoutADirectorySavingSaysWhatToSet() {
        #expect(throws: TuningCacheError.noDirectory) {
            try GEMMTuningCache(directory: nil).save(record(device: "d", driver: "v", tuning: tuned))
        }
    }

    @Test func savingReplacesTheFileAndLeavesNoTemporaries() throws {
        let cache = try TemporaryCache()
        let first = try cache.cache.save(record(device: "d", driver: "v", tuning: tuned))
        var second = record(device: "d", driver: "v", tuning: GEMMTuning(packed: false))
        second.shapes = []
        #expect(try cache.cache.save(second) == first)
        #expect(try TuningRecord.decode(Data(contentsOf: URL(fileURLWithPath: first))) == second)
        let folder = URL(fileURLWithPath: first).deletingLastPathComponent().path
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["d-v.json"])
    }

    @Test func lookupWithoutADevice() throws {
        let cache = try TemporaryCache()
        #expect(cache.cache.lookup(device: "d", driverVersion: "v", kind: .gpu, maxWorkGroupSize: 256).source == .defaults)
        try cache.cache.save(record(device: "d", driver: "v", tuning: tuned))
        let found = cache.cache.lookup(device: "d", driverVersion: "v", kind: .gpu, maxWorkGroupSize: 256)
        #expect(found.tuning == tuned)
        #expect(found.source == .cache(path: try #require(cache.cache.path(device: "d", driverVersion: "v"))))
        // A work-group the device cannot run: ignored before any kernel is built.
        let small = cache.cache.lookup(device: "d", driverVersion: "v", kind: .gpu, maxWorkGroupSize: 2)
        #expect(small.tuning == GEMMTuning.defaults(for: .gpu))
        guard case let .ignored(_, reason) = small.source else { Issue.record("\(small.source)"); return }
        #expect(reason.contains("exceeds"))
        let off = GEMMTuningCache(directory: cache.cache.directory, isEnabled: false)
        #expect(off.lookup(device: "d", driverVersion: "v", kind: .gpu, maxWorkGroupSize: 256) == (GEMMTuning.defaults(for: .gpu), .disabled))
    }
}

/// The backend on the test device with a cache file in a temporary directory.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct TuningCacheOnTheDevice {
    let device: Device
    init() throws { device = try TestDevice.context.get().device }

    /// Parameters unlike either default, so that loading them is visible.
    let tuned = GEMMTuning(packed: true, packedRows: 2, packedGroup: 4)

    func record(device name: String? = nil, driver: String? = nil, tuning: GEMMTuning) -> TuningRecord {
        var record = TuningRecord(device: device, tuning: tuning, shapes: [])
        if let name { record.device = name }
        if let driver { record.driverVersion = driver }
        return record
    }

    @Test func aMatchingFileIsLoaded() throws {
        let cache = try TemporaryCache()
        let path = try cache.cache.save(record(tuning: tuned))
        #expect(path == cache.cache.path(for: device))
        let backend = try OpenCLBackend(options: OpenCLBackendOptions(device: TestDevice.request, tuningCache: cache.cache))
        #expect(backend.gemmTuningSource == .cache(path: path))
        #expect(backend.gemmTuning == tuned)
        try expectGEMMsRight(on: backend)
    }

    /// Without a cache in the options, the backend reads no file and says so.
    @Test func noCacheMeansTheDefaults() throws {
        let backend = try TestDevice.backend()
        #expect(backend.gemmTuningSource == .defaults)
        #expect(backend.gemmTuning == GEMMTuning.defaults(for: device.kind))
    }

    @Test func noFileMeansTheDefaults() throws {
        let backend = try OpenCLBackend(options: OpenCLBackendOptions(device: TestDevice.request, tuningCache: try TemporaryCache().cache))
        #expect(backend.gemmTuningSource == .defaults)
        #expect(backend.gemmTuning == GEMMTuning.defaults(for: device.kind))
    }

    @Test func aCorruptFileIsIgnoredWithAReason() throws {
        let cache = try TemporaryCache()
        let path = try #require(cache.cache.path(for: device))
        for content in ["{ not json", "{\"format\": 1}", "", "[1, 2, 3]"] {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            let backend = try OpenCLBackend(options: OpenCLBackendOptions(device: TestDevice.request, tuningCache: cache.cache))
            #expect(backend.gemmTuning == GEMMTuning.defaults(for: device.kind))
            guard case let .ignored(ignoredPath, reason) = backend.gemmTuningSource else {
                Issue.record("\(content): source \(backend.gemmTuningSource)")
                continue
            }
            #expect(ignoredPath == path)
            #expect(reason.contains("not a tuning record"), "\(reason)")
            try expectGEMMsRight(on: backend)
        }
    }

    @Test func anotherDriverOrDeviceIsNotUsed() throws {
        let cache = try TemporaryCache()
        let path = try #require(cache.cache.path(for: device))
        // Written under this device's file name, but recorded for another driver (or device).
        for record in [record(driver: device.driverVersion + "-old", tuning: tuned), record(device: "another device", tuning: tuned)] {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            try record.encoded().write(to: URL(fileURLWithPath: path))
            let backend = try OpenCLBackend(options: OpenCLBackendOptions(device: TestDevice.request, tuningCache: cache.cache))
            #expect(backend.gemmTuning == GEMMTuning.defaults(for: device.kind))
            guard case let .ignored(_, reason) = backend.gemmTuningSource else {
                Issue.record("source \(backend.gemmTuningSource)")
                continue
            }
            #expect(reason.contains("recorded for"), "\(reason)")
        }
        // And a file for another driver under its own name is simply not this device's file.
        let other = try cache.cache.save(self.record(driver: "0.0-other", tuning: tuned))
        #expect(other != path)
        try FileManager.default.removeItem(atPath: path)
        #expect(try OpenCLBackend(options: OpenCLBackendOptions(device: TestDevice.request, tuningCache: cache.cache)).gemmTuningSource == .defaults)
    }

    @Test func explicitParametersAreCheckedAndUsed() throws {
        let backend = try OpenCLBackend(device: TestDevice.request, gemmTuning: tuned)
        #expect(backend.gemmTuningSource == .explicit)
        try expectGEMMsRight(on: backend)
        let tiled = GEMMTuning(packed: false, rowsPerItem: 2, colsPerItem: 4, workGroupRows: 4, workGroupCols: 8,
                               localTiles: true, tileDepth: 8)
        try expectGEMMsRight(on: try OpenCLBackend(device: TestDevice.request, gemmTuning: tiled))
        #expect(throws: OpenCLError.self) { try OpenCLBackend(device: TestDevice.request, gemmTuning: GEMMTuning(packed: false, rowsPerItem: 0)) }
        #expect(throws: OpenCLError.self) { try OpenCLBackend(device: TestDevice.request, gemmTuning: GEMMTuning(packed: true, packedRows: 3)) }
    }

    /// C = op(A) op(B) on `backend` against RecurCPU's sgemm, for each transpose, on odd sizes.
    func expectGEMMsRight(on backend: OpenCLBackend, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var generator = SeededGenerator(seed: 11)
        let m = 37, n = 45, k = 29
        for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = (0..<(m * k)).map { _ in generator.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in generator.uniform(-1, 1) }
            var expected = [Float](repeating: 0, count: m * n)
            try CPUGemm.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: transA ? m : k,
                          b: b, ldb: transB ? k : n, beta: 0, c: &expected, ldc: n)
            let ta = try backend.tensor(a, shape: transA ? [k, m] : [m, k]), tb = try backend.tensor(b, shape: transB ? [n, k] : [k, n])
            let tc = try backend.tensor([Float](repeating: 0, count: m * n), shape: [m, n])
            try backend.gemm(transA: transA, transB: transB, alpha: 1, ta.matrix, tb.matrix, beta: 0, tc.matrix)
            let actual = try backend.download(tc.matrix.buffer, offset: 0, count: m * n)
            let error = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 1e-4, "transA \(transA) transB \(transB): max |error| \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// A fresh cache directory, removed when the value goes.
final class TemporaryCache {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("recur-tuning-\(UUID().uuidString)")
    var cache: GEMMTuningCache { GEMMTuningCache(directory: url.path) }

    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
}
