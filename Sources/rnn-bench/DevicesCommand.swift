import ArgumentParser
import RecurCPU
import RecurOpenCL
import RecurCLI

/// `rnn-bench devices`: the OpenCL platforms and devices of this machine, and the one Recur picks.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List OpenCL platforms and devices, and the one Recur would pick.")

    @Option(help: "A device request to resolve as --device would (an index or part of a name).")
    var device: String?

    func run() throws {
        let settings = try BackendSettings.current(device: device)
        // The CPU backend's blocking follows the caches this machine reports (or RECUR_CPU_CACHES).
        let caches = settings.cpu.caches
        print("cpu: \(caches); GEMM blocks \(GEMMBlocking(caches: caches))")
        let platforms = try Platform.all()
        var index = 0
        var devices: [Device] = []
        let cache = settings.openCL.tuningCache ?? GEMMTuningCache(directory: nil)
        for platform in platforms {
            print("platform \(platform.name) (\(platform.vendor), \(platform.version))")
            for device in try platform.devices() {
                print("  [\(index)] \(device.name)")
                print("      type \(device.kind.rawValue), \(device.computeUnits) compute units, "
                      + "\(device.globalMemoryBytes / (1 << 20)) MiB global memory, "
                      + "float vectors of \(device.preferredFloatVectorWidth), "
                      + "\(device.openCLVersion), driver \(device.driverVersion)")
                let (tuning, source) = cache.lookup(for: device)
                print("      GEMM \(tuning.summary): \(source)")
                let qualification = PathQualifier.qualification(for: device, cache: settings.openCL.qualificationCache)
                let origin = settings.openCL.qualificationCache.map { "cached in \($0.path(for: device))" } ?? "not cached"
                print("      paths (self-test against the CPU backend, \(origin)):")
                for line in qualification.lines { print("        \(line)") }
                devices.append(device)
                index += 1
            }
        }
        let chosen = try Backends.openCLDevice(settings)
        let position = devices.firstIndex { $0 === chosen }.map { "[\($0)] " } ?? ""
        print("Recur would use: \(position)\(chosen.name)")
    }
}
