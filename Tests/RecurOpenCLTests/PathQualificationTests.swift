import Foundation
import Recur
@testable import RecurOpenCL
import Testing

/// The self-test that qualifies each path on a device (`PathSelfTest`), and the backend's promise
/// to run only qualified paths: a test double that gets one path wrong on purpose (or hangs in it)
/// must see that path disqualified and never chosen.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct PathQualificationTests {
    /// The real runner, except that `broken` gives wrong results (one output value off by 1) or,
    /// with `hangs`, does not return for 5 s.
    struct BrokenRunner: PathRunner {
        let real: DevicePathRunner
        let broken: DevicePath
        var hangs = false

        func results(of testCase: SelfTestCase, on path: DevicePath) throws -> [String: [Float]] {
            var results = try real.results(of: testCase, on: path)
            if path == broken {
                if hangs { Thread.sleep(forTimeInterval: 5) }
                results["output"]?[0] += 1
            }
            return results
        }

        func gemm(_ problem: GEMMProblem, on path: DevicePath) throws -> [Float] {
            var c = try real.gemm(problem, on: path)
            if path == broken { c[c.count - 1] -= 1 }
            return c
        }
    }

    static func qualification(breaking path: DevicePath, hangs: Bool = false) throws -> PathQualification {
        let device = try TestDevice.device()
        var test = PathSelfTest(device: device, runner: BrokenRunner(real: DevicePathRunner(device: device), broken: path, hangs: hangs))
        if hangs { test.timeout = .seconds(1) }
        return test.run()
    }

    /// A backend with the default GEMM parameters and `qualification`'s verdicts.
    static func backend(_ loop: OpenCLBackend.SequenceLoop, _ qualification: PathQualification) throws -> OpenCLBackend {
        let device = try TestDevice.device()
        return try OpenCLBackend(device: device, tuning: .defaults(for: device.kind), source: .explicit,
                                 sequenceLoop: loop, qualification: qualification)
    }

    @Test func theRealDevicePassesEveryApplicablePath() throws {
        let device = try TestDevice.device()
        let qualification = PathQualifier.qualification(for: device, cache: nil)
        #expect(Set(qualification.verdicts.keys) == Set(DevicePath.applies(to: device.kind)))
        // Every device CI runs qualifies the loop `.automatic` takes on it; print the rest.
        for line in qualification.lines { print("\(device.name): \(line)") }
        #expect(qualification.allows(.perStep) || qualification.allows(.fused))
    }

    /// The loop `.automatic` runs on this device is broken: it is disqualified, `.automatic` takes
    /// another, and forcing it is an error naming it.
    @Test func aBrokenLoopIsDisqualifiedAndNeverChosen() throws {
        let device = try TestDevice.device()
        let wholeSequence = device.kind == .cpu && GEMMTuning.defaults(for: device.kind).packed
        let broken: DevicePath = wholeSequence ? .wholeSequence : .fused
        let qualification = try Self.qualification(breaking: broken)
        let verdict = try #require(qualification.verdicts[broken])
        #expect(!verdict.qualified)
        #expect(verdict.reason.contains("output disagrees"), "\(verdict.reason)")
        #expect(qualification.allows(.perStep))

        let automatic = try Self.backend(.automatic, qualification)
        for batch in [1, 2, 5, 16, 64] {
            #expect(automatic.wholeSequenceParts(batch: batch) == nil, "batch \(batch)")
            #expect(!automatic.runsFusedLoop(batch: batch) || broken != .fused, "batch \(batch)")
        }
        #expect(!automatic.deviceDescription.contains(broken.rawValue), "\(automatic.deviceDescription)")
        let forced: OpenCLBackend.SequenceLoop = wholeSequence ? .sequence : .fused
        do {
            _ = try Self.backend(forced, qualification)
            Issue.record("forcing the disqualified \(broken.rawValue) loop made a backend")
        } catch let error as OpenCLError {
            guard case let .notQualified(path, _, reason) = error else { throw error }
            #expect(path == broken.rawValue && reason.contains("output disagrees"))
        }
    }

    /// The paths built on a broken one fall with it; the others stand.
    @Test func pathsOnABrokenPathAreDisqualifiedWithIt() throws {
        let device = try TestDevice.device()
        guard device.kind == .cpu else { return }   // the whole-sequence paths apply to CPU devices only
        let qualification = try Self.qualification(breaking: .packedGEMM)
        for path in [DevicePath.packedGEMM, .wholeSequence, .rowParts, .unitParts] {
            #expect(!qualification.allows(path), "\(path)")
        }
        #expect(qualification.verdicts[.unitParts]?.reason.contains("needs") == true)
        for path in [DevicePath.tiledGEMM, .fused, .perStep] { #expect(qualification.allows(path), "\(path)") }
    }

    /// A broken GEMM path is replaced by the other one's defaults, and tuned parameters for it are refused.
    @Test func aBrokenGEMMPathIsReplaced() throws {
        let device = try TestDevice.device()
        let preferred = GEMMTuning.defaults(for: device.kind).path
        let qualification = try Self.qualification(breaking: preferred)
        #expect(!qualification.allows(preferred))
        #expect(throws: OpenCLError.self) { try Self.backend(.perStep, qualification) }
    }

    /// A path that does not finish in the self-test's time is disqualified, not waited for.
    @Test func aHangingPathIsDisqualifiedByItsTimeout() throws {
        let start = ContinuousClock.now
        let qualification = try Self.qualification(breaking: .perStep, hangs: true)
        let verdict = try #require(qualification.verdicts[.perStep])
        #expect(!verdict.qualified && verdict.reason.contains("did not finish"), "\(verdict.reason)")
        #expect(qualification.allows(.fused))
        #expect(ContinuousClock.now - start < .seconds(120))
    }
}

/// The verdicts' file next to the tuning cache.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct QualificationCacheTests {
    static func temporaryCache() -> QualificationCache {
        QualificationCache(directory: FileManager.default.temporaryDirectory
            .appendingPathComponent("recur-qualification-\(UUID().uuidString)").path)
    }

    @Test func aSavedRecordIsReadBackForItsDeviceAndKernels() throws {
        let device = try TestDevice.device()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        #expect(cache.load(for: device) == nil)
        let record = PathQualification(device: device.name, driverVersion: device.driverVersion, verdicts: [
            .perStep: .init(qualified: true, reason: "ok", seconds: 0.5),
            .fused: .init(qualified: false, reason: "broken", seconds: 0.25),
        ])
        try cache.save(record, for: device)
        #expect(cache.load(for: device) == record)
        // The same process asks its qualifier, which reads the cache before testing.
        let other = PathQualification(device: device.name, driverVersion: device.driverVersion, kernels: "other build",
                                      verdicts: record.verdicts)
        try cache.save(other, for: device)
        #expect(cache.load(for: device) == nil, "a record of other kernel sources is tested again")
    }

    @Test func aCorruptOrForeignRecordIsIgnored() throws {
        let device = try TestDevice.device()
        let cache = Self.temporaryCache()
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        let path = cache.path(for: device)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        for text in ["", "{", "[1,2]", #"{"format": 1, "device": 3}"#] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(cache.load(for: device) == nil, "\(text)")
        }
        let foreign = PathQualification(device: "another device", driverVersion: device.driverVersion, verdicts: [:])
        try foreign.encodedForTest().write(to: URL(fileURLWithPath: path))
        #expect(cache.load(for: device) == nil)
    }
}

private extension PathQualification {
    func encodedForTest() throws -> Data { try JSONEncoder().encode(self) }
}
