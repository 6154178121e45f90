import RecurFixtures

/// What identifies what a qualification tested: this build's kernels and the self-test's cases. A
/// verdict measured with other kernel sources, or by another self-test, says nothing about these.
public enum KernelSources {
    /// FNV-1a (64 bits) over every embedded kernel file's expanded source and the self-test's
    /// definition (`PathSelfTest.definition`), in hex.
    public static let fingerprint: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var texts = KernelFile.allCases.map { $0.rawValue + "\n" + $0.source }
        texts.append(PathSelfTest.definition)
        for text in texts {
            for byte in text.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        return String(hash, radix: 16)
    }()
}
