import Foundation
@testable import RecurOpenCL
import Testing

/// Device selection end to end, through the environment (RECUR_DEVICE mapped as the command lines
/// map it, `TestBackends.settings`), in child processes: the ICD loader reads OCL_ICD_VENDORS once
/// per process, so "no driver installed" can only be staged in a fresh one. The child is this test
/// binary, running only `ChildSelectionProbe`.
@Suite struct SelectionInAChildProcess {
    static let probeVariable = "RECUR_OPENCL_SELECTION_PROBE"
    static let marker = "selection probe: "

    /// What `DeviceSelection.select(TestDevice.request)` says in a child with `environment` added.
    func probe(_ environment: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--testing-library", "swift-testing", "--filter", "ChildSelectionProbe"]
        var env = ProcessInfo.processInfo.environment
        env["RECUR_REQUIRE_OPENCL"] = nil
        env[Self.probeVariable] = "1"
        env.merge(environment) { _, new in new }
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(Self.marker) }
        return try #require(line.map { String($0.dropFirst(Self.marker.count)) }, "the child printed no probe line:\n\(text)")
    }

    #if os(Linux)  // elsewhere the test binary is a bundle run by a host tool, not an executable
    @Test func noDriverIsNoPlatform() throws {
        #expect(try probe(["OCL_ICD_VENDORS": "/nonexistent", "RECUR_DEVICE": ""]) == "noPlatform")
    }

    @Test(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
    func recurDeviceChoosesOrFails() throws {
        let device = try TestDevice.context.get().device
        let index = try DeviceSelection.allDevices().firstIndex { $0.name == device.name } ?? 0
        #expect(try probe(["RECUR_DEVICE": "\(index)"]) == "device \(device.name)")
        #expect(try probe(["RECUR_DEVICE": "no-such-device-anywhere"]) == "noDevice no-such-device-anywhere")
    }
    #endif
}

/// The child side of `SelectionInAChildProcess`; skipped in a normal run.
@Suite struct ChildSelectionProbe {
    @Test(.enabled(if: ProcessInfo.processInfo.environment[SelectionInAChildProcess.probeVariable] == "1",
                   "runs only as the child process of SelectionInAChildProcess"))
    func selectFromTheEnvironment() {
        let result: String
        do throws(OpenCLError) {
            result = "device \(try DeviceSelection.select(TestDevice.request).name)"
        } catch .noPlatform {
            result = "noPlatform"
        } catch let .noDevice(request, _) {
            result = "noDevice \(request)"
        } catch {
            result = error.description
        }
        print(SelectionInAChildProcess.marker + result)
    }
}
