import Foundation
import Recur
import Synchronization
@testable import RecurOpenCL
import RecurTestSupport
import Testing

/// The whole-sequence kernels with each step's hidden units shared out among one launch's
/// work-groups (`UnitParts`, Kernels/sequence_parts.cl), against the CPU reference: batches too
/// small to share out by rows, every cell; parts as the device gives them, more parts than it runs
/// at once (groups claim several, or none), a short last part, and, in a child process on the POCL
/// device limited to one thread (which runs a launch's groups one after the other), parts that one
/// group must take alone: the claims never wait on a group that is not running.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct UnitPartsLoop {
    static let cases = ConformanceCases.everyCell([
        CaseShape(input: 7, hidden: 64, steps: 9, batch: 1),
        CaseShape(input: 5, hidden: 96, steps: 8, batch: 5, lengths: true),
        CaseShape(input: 6, hidden: 64, layers: 2, bidirectional: true, steps: 6, batch: 3),
        // Hidden sizes off the multiples of 16: the forward's gates padded to 16 columns apart
        // (`UnitParts.gateStride`), the last part short, a single unit past a panel (16k + 1).
        CaseShape(input: 4, hidden: 65, steps: 7, batch: 2),
        CaseShape(input: 9, hidden: 100, steps: 6, batch: 3, lengths: true),
        // Parts of an odd number of panels (the last block of a part stores one panel), and parts
        // that start at an odd panel: 80 units are 48 + 32 in two parts, 32 + 32 + 16 in three.
        CaseShape(input: 3, hidden: 80, steps: 5, batch: 1),
        CaseShape(input: 5, hidden: 80, steps: 6, batch: 4),
    ], seed: 1800)

    /// The backend for `parts` parts (nil: as the device gives them), whole-sequence loop forced.
    static func backend(parts: Int?) throws -> OpenCLBackend {
        let device = try TestDevice.device()
        return try OpenCLBackend(device: device, tuning: .defaults(for: device.kind), source: .explicit,
                                 sequenceLoop: .sequence, unitParts: parts)
    }

    static func expectAgreement(_ backend: OpenCLBackend, _ testCase: RandomCase) throws {
        for comparison in try ConformanceSuite(backend: backend).agreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }

    @Test("unit parts as the device gives them agree with the CPU reference", arguments: cases)
    func deviceParts(testCase: RandomCase) throws {
        try Self.expectAgreement(try Self.backend(parts: nil), testCase)
    }

    /// The packed blocks' row tails differ with GEMM_MR, and a tuning file
    /// may set it: parts of an odd number of panels, batch 7 (tails of 7 rows), for each GEMM_MR.
    @Test("unit parts agree with the CPU reference for every GEMM_MR", arguments: [1, 2, 4, 8])
    func everyRowBlock(rows: Int) throws {
        let device = try TestDevice.device()
        var tuning = GEMMTuning.defaults(for: device.kind)
        tuning.packedRows = rows
        let backend = try OpenCLBackend(device: device, tuning: tuning, source: .explicit, sequenceLoop: .sequence, unitParts: 2)
        for testCase in ConformanceCases.everyCell([CaseShape(input: 5, hidden: 80, steps: 5, batch: 7)], seed: 1900) {
            try Self.expectAgreement(backend, testCase)
        }
    }

    @Test("more parts than compute units agree with the CPU reference", arguments: cases)
    func manyParts(testCase: RandomCase) throws {
        // hidden 64: 2 parts; 96: 3 (the groups outnumber POCL's threads on a 2-core machine).
        try Self.expectAgreement(try Self.backend(parts: 3), testCase)
    }

    @Test func partsFollowTheComputeUnitsAndTheHiddenSize() throws {
        let backend = try Self.backend(parts: nil)
        guard backend.runsWholeSequences else { return }
        let units = backend.device.computeUnits
        let small = try backend.unitParts(hidden: 256, steps: 4, rowParts: 1)
        // Near-even shares in whole panels, at most one a compute unit: every part but the last
        // `unitsPerPart` units, the last the rest, within a panel of the others.
        func expectEvenShares(_ parts: UnitParts, hidden: Int) {
            guard units > 1 else { return #expect(parts.count == 1) }
            let last = hidden - (parts.count - 1) * parts.unitsPerPart
            #expect(parts.count >= 2 && parts.count <= units && parts.unitsPerPart % 16 == 0, "hidden \(hidden) on \(units) compute units")
            #expect(last > 0 && abs(last - parts.unitsPerPart) <= 16, "hidden \(hidden): \(parts.count) parts of \(parts.unitsPerPart), the last \(last)")
        }
        expectEvenShares(small, hidden: 256)
        #expect(small.gateStride == 256)
        // Rows already shared out, or under 64 units: one part, the gates H apart.
        #expect(try backend.unitParts(hidden: 256, steps: 4, rowParts: 2).count == 1)
        #expect(try backend.unitParts(hidden: 32, steps: 4, rowParts: 1).count == 1)
        // A hidden size off the panels is shared too (it ran on one group, one core of a CPU
        // device): its parts are whole panels but the last, and the forward's gates 16-padded.
        let odd = try backend.unitParts(hidden: 129, steps: 4, rowParts: 1)
        expectEvenShares(odd, hidden: 129)
        #expect(odd.gateStride == (odd.count > 1 ? 144 : 129))
        // Two parts: 64 and 65 units (not 80 and 49, nor 64, 64 and 1).
        let halves = try Self.backend(parts: 2).unitParts(hidden: 129, steps: 4, rowParts: 1)
        #expect(halves.count == 2 && halves.unitsPerPart == 64)
        let forced = try Self.backend(parts: 3).unitParts(hidden: 96, steps: 4, rowParts: 1)
        #expect(forced.count == 3 && forced.unitsPerPart == 32 && forced.syncCount == 20)
        let uneven = try Self.backend(parts: 2).unitParts(hidden: 96, steps: 4, rowParts: 1)
        #expect(uneven.count == 2 && uneven.unitsPerPart == 48)
        let short = try Self.backend(parts: 2).unitParts(hidden: 100, steps: 4, rowParts: 1)
        #expect(short.count == 2 && short.unitsPerPart == 48 && short.gateStride == 112)
        let oddPanels = try Self.backend(parts: 2).unitParts(hidden: 80, steps: 4, rowParts: 1)
        #expect(oddPanels.count == 2 && oddPanels.unitsPerPart == 48 && oddPanels.gateStride == 80)
    }

    #if os(Linux)  // elsewhere the test binary is a bundle run by a host tool, not an executable
    /// What the child probe has to finish in, once started. Its work is under a second of CPU (the
    /// kernels come built from POCL's cache), so 30 s is a generous bound on a loaded machine; a
    /// kernel that waits on a group that is not running never finishes at all, so the bound only
    /// decides how soon that hang is reported. Checked once by hand: with the claims cut to each
    /// group's own part (sequence_claim_part's loop to i < 1), the parent's 2-part cases still pass
    /// on the two-thread device and this test fails after 30 s, the child stuck in its first case.
    static let childDeadline: Duration = .seconds(30)

    @Test("parts on a device that runs one group at a time: no wait on a group that is not running")
    func oneGroupAtATime() throws {
        // The kernels the child runs, built here first, on this device with the same options: the
        // child's device is this POCL pthread device on one thread (POCL_MAX_PTHREAD_COUNT=1), which
        // shares POCL's kernel cache with it, so the child only runs them. (It used POCL's `basic`
        // device, which compiles every kernel again: 17 s on a quiet machine, minutes beside other
        // jobs, all of it inside the probe's 180 s bound.)
        for testCase in UnitPartsChildProbe.buildCases {
            try Self.expectAgreement(try Self.backend(parts: 3), testCase)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--testing-library", "swift-testing", "--filter", "UnitPartsChildProbe"]
        var env = ProcessInfo.processInfo.environment
        env[UnitPartsChildProbe.variable] = "1"
        env["POCL_MAX_PTHREAD_COUNT"] = "1"
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        // Read while the child runs, so that a full pipe never stalls it.
        let text = Mutex(Data())
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            text.withLock { $0.append(data) }
        }
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        let finished = exited.wait(timeout: .now() + .seconds(Int(Self.childDeadline.components.seconds))) == .success
        if !finished {
            process.terminate()
            exited.wait()
        }
        output.fileHandleForReading.readabilityHandler = nil
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        let printed = text.withLock { String(decoding: $0 + rest, as: UTF8.self) }
        #expect(finished, """
            the child did not finish in \(Self.childDeadline) on a device that runs one group at a time: a kernel \
            waits on a work-group that is not running (or the machine is loaded beyond any reason). Its output:
            \(printed)
            """)
        let line = printed.split(separator: "\n").first { $0.hasPrefix(UnitPartsChildProbe.marker) }
        #expect(line.map(String.init) == UnitPartsChildProbe.marker + "passed", "\(printed)")
    }
    #endif
}

/// The child side of `UnitPartsLoop.oneGroupAtATime`; skipped in a normal run.
@Suite struct UnitPartsChildProbe {
    static let variable = "RECUR_UNIT_PARTS_PROBE"
    static let marker = "unit parts probe: "

    /// One case of each cell, the smallest: what the parent runs first so that every kernel the
    /// child needs is in POCL's cache (kernels are built per file and options, not per shape).
    static let buildCases: [RandomCase] = {
        var seen = Set<CellMode>()
        return UnitPartsLoop.cases.filter { seen.insert($0.descriptor.mode).inserted }
    }()

    @Test(.enabled(if: ProcessInfo.processInfo.environment[variable] == "1",
                   "runs only as the child process of UnitPartsLoop.oneGroupAtATime"))
    func forcedPartsOnOneThread() throws {
        let backend = try UnitPartsLoop.backend(parts: 3)
        // The premise: POCL took POCL_MAX_PTHREAD_COUNT=1, so its one thread runs a launch's
        // work-groups one after the other. Without it the probe would prove nothing.
        guard backend.device.computeUnits == 1 else {
            print(Self.marker + "not one group at a time: \(backend.device.summary) has \(backend.device.computeUnits) compute units")
            Issue.record("the device has \(backend.device.computeUnits) compute units, not 1")
            return
        }
        var failures: [String] = []
        for testCase in UnitPartsLoop.cases {
            for comparison in try ConformanceSuite(backend: backend).agreement(testCase) where !comparison.passed {
                failures.append("\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute)")
            }
        }
        let device = backend.device.summary
        print(Self.marker + (failures.isEmpty ? "passed" : "failed on \(device): " + failures.joined(separator: "; ")))
        #expect(failures.isEmpty)
    }
}
