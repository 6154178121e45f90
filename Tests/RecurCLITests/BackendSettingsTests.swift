import Recur
import RecurCLI
import RecurCPU
import RecurOpenCL
import RecurTestSupport
import Testing

/// The mapping of RECUR_* variables and `--device` onto the backends' options: what each value
/// sets, and that every unusable value is an `EnvironmentValueError` naming the variable and what
/// it accepts.
@Suite struct BackendSettingsMapping {
    func settings(_ environment: [String: String], device: String? = nil) throws -> BackendSettings {
        try BackendSettings(environment: environment, device: device)
    }

    @Test func nothingSetGivesTheLibraryDefaults() throws {
        let settings = try settings([:])
        #expect(settings.cpu.threads == nil)
        #expect(settings.cpu.sequenceLoop == .team)
        #expect(settings.cpu.kernels == .best)
        #expect(settings.cpu.profile == nil)
        #expect(settings.openCL.device == nil && settings.deviceSource == nil)
        #expect(settings.openCL.sequenceLoop == .automatic)
        #expect(settings.openCL.profile == nil)
        // No RECUR_CACHE_DIR, XDG_CACHE_HOME or HOME: no cache directory, but the cache is on.
        #expect(settings.openCL.tuningCache == GEMMTuningCache(directory: nil, isEnabled: true))
    }

    /// Empty means unset for every variable (a script's `export X=`).
    @Test func emptyValuesAreUnset() throws {
        let empty = Dictionary(uniqueKeysWithValues: BackendSettings.variables.map { ($0, "") })
        let settings = try settings(empty)
        #expect(settings.cpu.threads == nil && settings.cpu.sequenceLoop == .team && settings.cpu.profile == nil)
        #expect(settings.openCL.device == nil && settings.openCL.sequenceLoop == .automatic && settings.openCL.profile == nil)
        #expect(settings.openCL.tuningCache?.isEnabled == true)
    }

    @Test func cpuVariables() throws {
        #expect(try settings(["RECUR_CPU_THREADS": "4"]).cpu.threads == 4)
        #expect(try settings(["RECUR_CPU_THREADS": " 3 "]).cpu.threads == 3)
        #expect(try settings(["RECUR_CPU_THREADS": "1024"]).cpu.threads == 1024)
        #expect(try settings(["RECUR_CPU_LOOP": "per-step"]).cpu.sequenceLoop == .perStep)
        #expect(try settings(["RECUR_CPU_LOOP": "by-units"]).cpu.sequenceLoop == .teamByUnits)
        #expect(try settings(["RECUR_CPU_LOOP": "by-rows"]).cpu.sequenceLoop == .teamByRows)
        #expect(try settings(["RECUR_CPU_KERNELS": "avx2"]).cpu.kernels == .avx2)
        if CPUKernels.supported.contains(.avx512) {
            #expect(try settings(["RECUR_CPU_KERNELS": "avx512"]).cpu.kernels == .avx512)
        }
        #expect(try settings(["RECUR_CPU_PROFILE": "1"]).cpu.profile?.byShape == false)
        #expect(try settings(["RECUR_CPU_PROFILE": "shapes"]).cpu.profile?.byShape == true)
        #expect(try settings(["RECUR_CPU_PROFILE": "0"]).cpu.profile == nil)
        #expect(try settings([:]).cpu.caches == .machine)
        #expect(try settings(["RECUR_CPU_CACHES": "48K,2M,8M"]).cpu.caches
            == CPUCaches(l1Data: 48 << 10, l2: 2 << 20, l3PerCore: 8 << 20))
    }

    @Test func openCLVariables() throws {
        for loop in OpenCLBackend.SequenceLoop.allCases {
            #expect(try settings(["RECUR_OPENCL_LOOP": loop.rawValue]).openCL.sequenceLoop == loop)
        }
        #expect(try settings(["RECUR_OPENCL_PROFILE": "1"]).openCL.profile?.byRange == false)
        #expect(try settings(["RECUR_OPENCL_PROFILE": "ranges"]).openCL.profile?.byRange == true)
        #expect(try settings(["RECUR_OPENCL_PROFILE": "0"]).openCL.profile == nil)
        let named = try settings(["RECUR_DEVICE": "h100"])
        #expect(named.openCL.device == "h100" && named.deviceSource == "RECUR_DEVICE")
        #expect(try settings(["RECUR_DEVICE": "  "]).openCL.device == nil)
    }

    /// `--device` wins over RECUR_DEVICE, even blank (which asks for the default device).
    @Test func theDeviceFlagWins() throws {
        let flag = try settings(["RECUR_DEVICE": "h100"], device: "1")
        #expect(flag.openCL.device == "1" && flag.deviceSource == "--device")
        let blank = try settings(["RECUR_DEVICE": "h100"], device: "")
        #expect(blank.openCL.device == nil && blank.deviceSource == nil)
    }

    @Test func theTuningCache() throws {
        #expect(try settings(["RECUR_CACHE_DIR": "/a", "XDG_CACHE_HOME": "/b", "HOME": "/c"]).openCL.tuningCache?.directory == "/a")
        #expect(try settings(["XDG_CACHE_HOME": "/b", "HOME": "/c"]).openCL.tuningCache?.directory == "/b/recur")
        #expect(try settings(["XDG_CACHE_HOME": "relative", "HOME": "/c"]).openCL.tuningCache?.directory == "/c/.cache/recur")
        #expect(try settings(["RECUR_CACHE_DIR": "", "HOME": "/c"]).openCL.tuningCache?.directory == "/c/.cache/recur")
        for off in ["off", "OFF", "0", "false", "no"] {
            #expect(try settings(["HOME": "/c", "RECUR_TUNING": off]).openCL.tuningCache?.isEnabled == false, "\(off)")
        }
        for on in ["on", "1", "true", "Yes"] {
            #expect(try settings(["HOME": "/c", "RECUR_TUNING": on]).openCL.tuningCache?.isEnabled == true, "\(on)")
        }
    }

    /// One value each variable refuses, and a word of what the message must offer instead.
    static let unusable: [(variable: String, value: String, offers: [String])] = [
        ("RECUR_CPU_THREADS", "0", ["1 to 1024"]),
        ("RECUR_CPU_THREADS", "two", ["1 to 1024"]),
        ("RECUR_CPU_THREADS", "1025", ["1 to 1024"]),
        ("RECUR_CPU_THREADS", "-3", ["1 to 1024"]),
        ("RECUR_CPU_KERNELS", "avx1024", ["avx2"]),
        ("RECUR_CPU_LOOP", "by-colums", ["per-step", "by-units", "by-rows"]),
        ("RECUR_CPU_PROFILE", "yes", ["1", "shapes"]),
        ("RECUR_CPU_CACHES", "48K,2M", ["L1D,L2,L3", "48K,2M,8M"]),
        ("RECUR_CPU_CACHES", "48K,2M,8X", ["L1D,L2,L3"]),
        ("RECUR_CPU_CACHES", "48K,2M,99G", ["1K to 4G"]),
        ("RECUR_OPENCL_LOOP", "fast", ["automatic", "fused", "per-step", "sequence"]),
        ("RECUR_OPENCL_PROFILE", "shapes", ["1", "ranges"]),
        ("RECUR_TUNING", "maybe", ["off", "on"]),
        ("RECUR_CACHE_DIR", "relative/cache", ["absolute path"]),
    ]

    @Test("an unusable value names its variable and what it accepts", arguments: unusable)
    func unusableValues(_ bad: (variable: String, value: String, offers: [String])) throws {
        let error = try #require(throws: EnvironmentValueError.self) { try settings([bad.variable: bad.value]) }
        #expect(error.variable == bad.variable && error.value == bad.value)
        let message = error.description
        #expect(message.hasPrefix("\(bad.variable) is \"\(bad.value)\"; use "), "\(message)")
        for word in bad.offers { #expect(message.contains(word), "\(message)") }
        #expect(message.hasSuffix("or leave it unset"), "\(message)")
    }

    /// Kernels this CPU cannot run are refused by name, not left to stop the process with an
    /// illegal instruction.
    @Test(.enabled(if: !CPUKernels.supported.contains(.avx512), "this CPU runs the 512-bit kernels"))
    func kernelsThisCPUCannotRun() throws {
        let error = try #require(throws: EnvironmentValueError.self) { try settings(["RECUR_CPU_KERNELS": "avx512"]) }
        #expect(error.variable == "RECUR_CPU_KERNELS" && error.description.contains("avx2"), "\(error)")
    }
}

/// The options the settings give take effect in the backends made from them.
@Suite struct BackendSettingsEffect {
    @Test func theCPUOptionsMakeThatBackend() throws {
        let settings = try BackendSettings(environment: [
            "RECUR_CPU_THREADS": "3", "RECUR_CPU_LOOP": "by-rows", "RECUR_CPU_KERNELS": "avx2", "RECUR_CPU_PROFILE": "shapes",
            "RECUR_CPU_CACHES": "16K,256K,1M",
        ])
        let backend = try CPUBackend(options: settings.cpu)
        #expect(backend.pool.threadCount == 3)
        #expect(backend.sequenceLoop == .teamByRows)
        #expect(backend.kernels == .avx2)
        #expect(backend.gemmBlocking == GEMMBlocking(caches: CPUCaches(l1Data: 16 << 10, l2: 256 << 10, l3PerCore: 1 << 20)))
        #expect(backend.gemmBlocking.kc == 128)
        #expect(backend.deviceDescription.contains("3 threads") && backend.deviceDescription.contains("team by rows"),
                "\(backend.deviceDescription)")
        // The profile is the settings' own: what the backend times, the caller prints.
        let profile = try #require(settings.cpu.profile)
        #expect(backend.profile === profile && profile.isEmpty)
        let a = try backend.tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), c = try backend.zeros([2, 2])
        backend.gemm(transA: false, transB: true, alpha: 1, a.matrix, a.matrix, beta: 0, c.matrix)
        #expect(profile.report.contains("gemm 2x2x3 B^T"), "\(profile.report)")
    }

    /// One profile serves every backend made from the same settings: their rows add up.
    @Test func backendsShareTheSettingsProfile() throws {
        let settings = try BackendSettings(environment: ["RECUR_CPU_PROFILE": "1"])
        for _ in 0..<2 {
            let backend = try CPUBackend(options: settings.cpu)
            backend.fill(try backend.zeros([1, 4]).matrix, value: 1)
        }
        let row = settings.cpu.profile?.report.split(separator: "\n").first { $0.contains("fill") }
        #expect(row?.contains(" 2 calls") == true, "\(settings.cpu.profile?.report ?? "no profile")")
    }

    @Test(.enabled(if: TestBackends.names.contains("opencl"), "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"))
    func theOpenCLOptionsMakeThatBackend() throws {
        let settings = try BackendSettings(environment: ["RECUR_OPENCL_LOOP": "fused", "RECUR_OPENCL_PROFILE": "1", "RECUR_TUNING": "off"])
        let backend = try OpenCLBackend(options: settings.openCL)
        #expect(backend.sequenceLoop == .fused)
        #expect(backend.deviceDescription.hasSuffix("fused time loop"), "\(backend.deviceDescription)")
        #expect(backend.gemmTuningSource == .disabled)
        let profile = try #require(settings.openCL.profile)
        #expect(backend.profile === profile)
        try backend.fill(try backend.zeros([4, 4]).matrix, value: 1)
        try backend.synchronize()
        #expect(!profile.isEmpty && profile.report.contains("launches"), "\(profile.report)")
    }

    /// A RECUR_DEVICE that matches no device is the same kind of error as any other unusable
    /// value, listing the devices; a `--device` that matches none stays the driver's error.
    @Test(.enabled(if: TestBackends.names.contains("opencl"), "no OpenCL device; set RECUR_REQUIRE_OPENCL=1 to make this a failure"))
    func aDeviceMatchingNothing() throws {
        let settings = try BackendSettings(environment: ["RECUR_DEVICE": "no-such-device-anywhere"])
        let error = try #require(throws: EnvironmentValueError.self) { try Backends.openCLDevice(settings) }
        #expect(error.variable == "RECUR_DEVICE" && error.value == "no-such-device-anywhere")
        let first = try DeviceSelection.allDevices()[0]
        #expect(error.description.contains("0 (\(first.summary))"), "\(error)")
        let flag = try BackendSettings(environment: [:], device: "no-such-device-anywhere")
        #expect(throws: OpenCLError.self) { try Backends.openCLDevice(flag) }
    }
}
