/// What identifies this build's kernels: a qualification measured with other kernel sources says
/// nothing about these.
public enum KernelSources {
    /// FNV-1a (64 bits) over every embedded kernel file's expanded source, in hex.
    public static let fingerprint: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for file in KernelFile.allCases {
            for byte in (file.rawValue + "\n" + file.source).utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        return String(hash, radix: 16)
    }()
}
