import Foundation

/// The temporary files AtomicFile writes, and their removal once the process that wrote one is gone.
///
/// A process killed while writing (`kill -9`, a crash, a second Ctrl-C) leaves its temporary file
/// behind, up to the size of a checkpoint. Its name says whose it is and who wrote it,
/// `.recur-tmp-<pid>-<UUID>-<target name>`, so that the next run can remove exactly Recur's own
/// leftovers and no other file: not another program's, and not one a running process (another run
/// writing to the same directory) is still writing.
public enum StaleTemporaries {
    /// How every temporary's name starts: `.recur-tmp-<pid>-<UUID>-<target name>`.
    public static let prefix = ".recur-tmp-"

    /// A fresh temporary name beside `url` for this process.
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent("\(prefix)\(getpid())-\(UUID().uuidString)-\(url.lastPathComponent)")
    }

    /// The process id in a temporary's name, when the name is one of AtomicFile's.
    public static func writer(ofTemporaryNamed name: String) -> pid_t? {
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0 else { return nil }
        let afterPID = rest[rest.index(after: dash)...]
        // A UUID is 36 characters (8-4-4-4-12 hex digits), then a dash and the target's name.
        guard afterPID.count > 37, UUID(uuidString: String(afterPID.prefix(36))) != nil,
              afterPID.dropFirst(36).first == "-" else { return nil }
        return pid
    }

    /// Whether the process that wrote a temporary has ended. kill(pid, 0) checks without signalling;
    /// EPERM means the process exists (another user's), so only ESRCH counts as gone.
    static func hasEnded(_ pid: pid_t) -> Bool {
        pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Whether `name` is a temporary of the writer Recur had before AtomicFile,
    /// `.<target name>.<UUID>.tmp`: users who upgrade after a killed run still have those.
    static func isLegacyTemporary(_ name: String) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
        let stem = name.dropLast(4)
        guard stem.count > 38 else { return false }
        let uuid = stem.suffix(36)
        return stem.dropLast(36).last == "." && stem.dropLast(37).count > 1 && UUID(uuidString: String(uuid)) != nil
    }

    /// A legacy temporary names no writer, so it is taken for stale only once it is this old: a
    /// checkpoint takes seconds to write, and an old version still writing beside us keeps its file.
    static let legacyAge: TimeInterval = 600

    /// Removes the temporaries in `directory` whose writer has ended (and the legacy ones older than
    /// `legacyAge`) and returns their names (sorted). Files it cannot remove are left, and so is
    /// everything that is not a temporary of Recur's; a directory that cannot be listed has nothing
    /// to remove.
    @discardableResult
    public static func remove(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.sorted().filter { name in
            let path = directory.appendingPathComponent(name).path
            if let pid = writer(ofTemporaryNamed: name) {
                guard hasEnded(pid) else { return false }
            } else {
                guard isLegacyTemporary(name),
                      let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                      -modified.timeIntervalSinceNow > legacyAge else { return false }
            }
            return unlink(path) == 0
        }
    }
}
