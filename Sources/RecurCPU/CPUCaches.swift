import Foundation

/// The data caches one core sees, as the machine reports them: what the GEMM's blocking
/// (`GEMMBlocking`) and the time loop's split rules (`TeamPlan`, `RowPanelKernels`) are sized by.
///
/// Read from Linux's sysfs (`/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size,
/// shared_cpu_list}`), the kernel's view of CPUID leaf 4 (Intel) or 0x8000001D (AMD), which also
/// says how many logical CPUs share a cache. glibc's `sysconf(_SC_LEVEL3_CACHE_SIZE)` was not used:
/// on this 2-vCPU AMD VM it reported the host's 320 MiB of L3 where sysfs has the guest's 32 MiB.
/// Any level the files do not give (another OS, a container that hides sysfs, a value that does not
/// parse) keeps `fallback`'s size, the machine the constants were first measured on.
public struct CPUCaches: Sendable, Equatable, CustomStringConvertible {
    /// Bytes of level-1 data cache a core has.
    public var l1Data: Int
    /// Bytes of level-2 cache a core has (its share where logical CPUs share it).
    public var l2: Int
    /// Bytes of last-level cache a core has: the L3's size over the CPUs that share it.
    public var l3PerCore: Int

    public init(l1Data: Int, l2: Int, l3PerCore: Int) {
        self.l1Data = l1Data
        self.l2 = l2
        self.l3PerCore = l3PerCore
    }

    /// The 2-core AMD EPYC (Zen 5) VM the blocking constants were first measured on: 32 KiB L1d,
    /// 1 MiB L2, 32 MiB of L3 for 2 vCPUs.
    public static let fallback = CPUCaches(l1Data: 32 << 10, l2: 1 << 20, l3PerCore: 16 << 20)

    /// This machine's caches, read once.
    public static let machine: CPUCaches = read(directory: "/sys/devices/system/cpu/cpu0/cache") { path in
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    public var description: String {
        "L1d \(Self.kibibytes(l1Data)), L2 \(Self.kibibytes(l2)), L3 \(Self.kibibytes(l3PerCore)) a core"
    }

    private static func kibibytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    /// The caches described under `directory` (sysfs's layout: `index0`, `index1`, ... folders),
    /// each file's text from `contents` (nil: missing or unreadable). The files come from outside
    /// the program: a value that does not parse, or one outside 1 KiB ... 4 GiB, is ignored.
    public static func read(directory: String, contents: (String) -> String?) -> CPUCaches {
        var caches = fallback
        // sysfs numbers the folders from 0 without gaps; 16 is more levels and kinds than any CPU has.
        for index in 0..<16 {
            let folder = "\(directory)/index\(index)"
            guard let levelText = contents(folder + "/level") else { break }
            guard let level = Int(levelText.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let type = contents(folder + "/type")?.trimmingCharacters(in: .whitespacesAndNewlines),
                  type == "Data" || type == "Unified",
                  let size = contents(folder + "/size").flatMap(parseSize)
            else { continue }
            let sharers = contents(folder + "/shared_cpu_list").flatMap(countCPUs) ?? 1
            switch level {
            case 1: caches.l1Data = size
            case 2: caches.l2 = size
            case 3: caches.l3PerCore = max(size / sharers, 1 << 10)
            default: continue
            }
        }
        return caches
    }

    /// "32K", "1024K", "32768K" (sysfs writes K), also "2M", or plain bytes; nil for anything else
    /// or a size outside 1 KiB ... 4 GiB.
    public static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let last = trimmed.last else { return nil }
        let shift: Int
        var digits = Substring(trimmed)
        switch last {
        case "K", "k": shift = 10; digits = digits.dropLast()
        case "M", "m": shift = 20; digits = digits.dropLast()
        case "G", "g": shift = 30; digits = digits.dropLast()
        default: shift = 0
        }
        // Ten digits parse without overflow; the product reports its own.
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy(\.isASCII), let value = Int(digits) else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow, (1 << 10)...(4 << 30) ~= bytes else { return nil }
        return bytes
    }

    /// The number of CPUs in a sysfs list such as "0", "0-1", "0-3,8-11"; nil if it does not parse.
    static func countCPUs(_ text: String) -> Int? {
        CPUList.ranges(text)?.reduce(0) { $0 + $1.count }
    }
}
