import Synchronization

/// A device's qualification, once per process and device: from the cache when it holds a record
/// for this device, driver and build, else by the self-test (saved to the cache when there is one).
public enum PathQualifier {
    private static let known = Mutex<[ObjectIdentifier: PathQualification]>([:])
    /// One self-test at a time: backends made at once on several threads wait for the first one's.
    private static let testing = Mutex<Void>(())

    /// The qualification of `device`, testing it if neither this process nor `cache` knows it.
    /// A cache that cannot be written is not an error: the verdicts hold for this process.
    public static func qualification(for device: Device, cache: QualificationCache?) -> PathQualification {
        if let done = known.withLock({ $0[ObjectIdentifier(device)] }) { return done }
        return testing.withLock { _ in
            if let done = known.withLock({ $0[ObjectIdentifier(device)] }) { return done }
            let result: PathQualification
            if let cached = cache?.load(for: device) {
                result = cached
            } else {
                result = PathSelfTest(device: device).run()
                try? cache?.save(result, for: device)
            }
            known.withLock { $0[ObjectIdentifier(device)] = result }
            return result
        }
    }
}
