import Dispatch
import Foundation
import Recur
import RecurCPU
import RecurFixtures

/// Runs each `DevicePath` that applies to a device on small cases, against the CPU backend, and
/// gives each its verdict: a path whose results disagree, that throws, or that does not finish in
/// `timeout` is not qualified, and the backend never chooses it on that device. Paths are tested
/// on top of what they require (`DevicePath.requires`): a path whose requirement failed is not
/// qualified either. About a second on POCL with warm kernel caches; the command lines cache the
/// verdicts (`QualificationCache`), the library keeps them for the process (`PathQualifier`).
struct PathSelfTest {
    let device: Device
    var runner: any PathRunner
    /// How long one path's cases may take, kernel builds included: a cold POCL cache builds the
    /// sequence kernels in about 10 s, and the oclgrind simulator ran the per-step cases of two
    /// layers in 110 s (one layer since). Long enough for any device that works, short enough
    /// that a hang is a verdict.
    var timeout: Duration = .seconds(300)
    /// The agreement asked for: the training fixtures' tolerance (a miscompile or a stopped loop
    /// is off by far more; FP reassociation between backends is not).
    var tolerance = Self.standardTolerance
    static let standardTolerance = Tolerance.training

    init(device: Device, runner: (any PathRunner)? = nil) {
        self.device = device
        self.runner = runner ?? DevicePathRunner(device: device)
    }

    func run() -> PathQualification {
        var verdicts: [DevicePath: PathQualification.Verdict] = [:]
        for path in DevicePath.applies(to: device.kind) {
            if let failed = path.requires.first(where: { verdicts[$0]?.qualified == false }) {
                verdicts[path] = .init(qualified: false, reason: "needs \(failed.rawValue), which is not qualified")
                continue
            }
            verdicts[path] = verdict(path)
        }
        return PathQualification(device: device.name, driverVersion: device.driverVersion, verdicts: verdicts)
    }

    /// The path's checks on a thread of their own, so that a path that hangs (work-groups waiting
    /// on each other where the device does not run them side by side) is a verdict, not a hang.
    /// A timed-out thread stays blocked in the driver; the process goes on.
    func verdict(_ path: DevicePath) -> PathQualification.Verdict {
        let start = ContinuousClock.now
        let outcome = CheckOutcome()
        let finished = DispatchSemaphore(value: 0)
        let job = SendableCheck { try self.check(path) }
        Thread.detachNewThread {
            let result: String
            do { result = "ok:" + (try job.body()) } catch { result = "\(error)" }
            outcome.set(result)
            finished.signal()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let elapsed = { let d = ContinuousClock.now - start; return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        guard finished.wait(timeout: .now() + seconds) == .success, let result = outcome.get() else {
            return .init(qualified: false, reason: String(format: "did not finish in %.0f s", seconds), seconds: elapsed())
        }
        if result.hasPrefix("ok:") { return .init(qualified: true, reason: String(result.dropFirst(3)), seconds: elapsed()) }
        return .init(qualified: false, reason: result, seconds: elapsed())
    }

    /// Runs the path's cases; returns what was checked, or throws what disagreed.
    func check(_ path: DevicePath) throws -> String {
        switch path {
        case .tiledGEMM, .packedGEMM:
            for problem in GEMMProblem.selfTest {
                let got = try runner.gemm(problem, on: path)
                let comparison = Comparison(tensor: "C", got: got, expected: problem.reference(), tolerance: tolerance)
                guard comparison.passed else { throw SelfTestFailure(path: path, what: problem.description, comparison: comparison) }
            }
            return "\(GEMMProblem.selfTest.count) GEMMs agree with a host reference"
        default:
            let cases = try SelfTestCase.cases(for: path, rows: Self.rows(computeUnits: device.computeUnits))
            let reference = try CPUBackend(options: CPUBackendOptions())
            for testCase in cases {
                let expected = try testCase.results(on: reference)
                let got = try runner.results(of: testCase, on: path)
                for (name, values) in expected.sorted(by: { $0.key < $1.key }) {
                    let comparison = Comparison(tensor: name, got: got[name] ?? [], expected: values, tolerance: tolerance)
                    guard comparison.passed else { throw SelfTestFailure(path: path, what: testCase.description, comparison: comparison) }
                }
            }
            return "\(cases.count) cases agree with the CPU backend"
        }
    }

    /// Every case and GEMM of the self-test, and its tolerance, as text: part of the cache's key,
    /// so that a changed self-test runs again.
    static let definition: String = {
        let tolerance = standardTolerance
        var lines = GEMMProblem.selfTest.map(\.description)
        for path in DevicePath.allCases {
            lines += ((try? SelfTestCase.cases(for: path, rows: 16)) ?? []).map { "\(path.rawValue): \($0) seed \($0.seed)" }
        }
        lines.append("tolerance \(tolerance.absolute) \(tolerance.relative)")
        return lines.joined(separator: "\n")
    }()

    /// The batch of the row parts' cases: two parts of 8 rows or more, up to four.
    static func rows(computeUnits: Int) -> Int { 8 * min(4, max(2, computeUnits)) }
}

/// A closure that may be run on another thread: the self-test's state is immutable.
private struct SendableCheck: @unchecked Sendable {
    let body: () throws -> String
}

/// The check's result, written by its thread and read after the semaphore (or never, on a timeout).
private final class CheckOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ result: String) { lock.withLock { value = result } }
    func get() -> String? { lock.withLock { value } }
}

/// What a path got wrong.
struct SelfTestFailure: Error, CustomStringConvertible {
    let path: DevicePath
    let what: String
    let comparison: Comparison

    var description: String {
        let c = comparison
        if let shape = c.shapeMessage { return "\(what): \(shape)" }
        return "\(what): \(c.tensor) disagrees with the reference in \(c.violations) elements (max abs \(c.maxAbsolute))"
    }
}
