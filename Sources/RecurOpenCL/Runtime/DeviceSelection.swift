import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which OpenCL device to run on.
///
/// By default the first GPU of any platform, else the first CPU device (POCL), else whatever
/// device there is. A request (`OpenCLBackendOptions.device`; in the command lines `--device`, else
/// the `RECUR_DEVICE` environment variable) overrides it: an index into `allDevices()` ("1") or
/// part of a device name, any case ("h100", "epyc"). A request that matches nothing is an error
/// listing the devices, never a silent fallback.
public enum DeviceSelection {
    /// Every device of every platform, platform by platform. Throws `noPlatform` without OpenCL.
    /// Enumerated once per process, under a lock: ICD loaders and drivers (POCL 3.1 seen here)
    /// can fail or crash when several threads enumerate at the same time.
    public static func allDevices() throws(OpenCLError) -> [Device] {
        try enumerated.withLock { (cached) throws(OpenCLError) -> [Device] in
            if let cached { return cached }
            var devices: [Device] = []
            for platform in try Platform.all() { devices += try platform.devices() }
            cached = devices
            return devices
        }
    }

    private static let enumerated = Mutex<[Device]?>(nil)

    /// The device for `request`; nil or blank: the default.
    public static func select(_ request: String? = nil) throws(OpenCLError) -> Device {
        let devices = try allDevices()
        let index = try choose(among: devices.map { ($0.name, $0.kind) }, request: request, listing: devices.map(\.summary))
        return devices[index]
    }

    /// The index of the device `request` names among `devices` (name and kind of each); an empty
    /// or nil request takes the default. `listing` describes the devices for the error message.
    static func choose(among devices: [(name: String, kind: Device.Kind)], request: String?, listing: [String]? = nil) throws(OpenCLError) -> Int {
        let request = request?.trimmingSpaces ?? ""
        let noDevice = OpenCLError.noDevice(request: request.isEmpty ? "default" : request, available: listing ?? devices.map(\.name))
        if request.isEmpty {
            guard let index = devices.firstIndex(where: { $0.kind == .gpu })
                ?? devices.firstIndex(where: { $0.kind == .cpu })
                ?? devices.indices.first
            else { throw noDevice }
            return index
        }
        if request.allSatisfy(\.isASCIIDigit) {
            guard let index = Int(request), devices.indices.contains(index) else { throw noDevice }
            return index
        }
        let needle = request.lowercased()
        guard let index = devices.firstIndex(where: { $0.name.lowercased().contains(needle) }) else { throw noDevice }
        return index
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
