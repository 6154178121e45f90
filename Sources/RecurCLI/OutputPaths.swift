import Foundation
import Recur

/// The files and directories a command will write, checked before any work: a run of minutes (or
/// hours) that could not save its results is lost only at the end otherwise. Each check writes and
/// removes a small file where the output will go, which is the one test that also holds for
/// root (who passes permission checks) and for read-only file systems.
public enum OutputPaths {
    /// A directory a run writes into (`--out`): made, with its parents, when missing.
    public static func directory(_ path: String, option: String) throws(OutputPathError) -> URL {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw OutputPathError(option: option, path: path, reason: "it is a file, not a directory")
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw OutputPathError(option: option, path: path, reason: "cannot make the directory: \(error.localizedDescription)")
        }
        try probe(url, option: option, path: path)
        return url
    }

    /// A file a run writes (`--json`, `--chart`): its directory must exist and take a new file
    /// (the file is replaced by a rename, AtomicFile), and the path must not be a directory.
    public static func file(_ path: String, option: String) throws(OutputPathError) -> URL {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputPathError(option: option, path: path, reason: "it is a directory")
        }
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputPathError(option: option, path: path, reason: "the directory \(parent.path) does not exist")
        }
        try probe(parent, option: option, path: path)
        return url
    }

    /// Creates and removes a file in `directory`, named as AtomicFile's temporaries are, so that
    /// one left by a process killed in between is removed as theirs are (StaleTemporaries).
    private static func probe(_ directory: URL, option: String, path: String) throws(OutputPathError) {
        let probe = StaleTemporaries.temporaryURL(for: directory.appendingPathComponent("write-check"))
        let descriptor = open(probe.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OutputPathError(option: option, path: path,
                                  reason: "cannot write in \(directory.path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        unlink(probe.path)
    }
}

/// An output that cannot be written: the option, its path, and why. The message is the whole
/// story, so the command prints it without its usage (the command line itself was fine).
public struct OutputPathError: Error, Equatable, CustomStringConvertible, Sendable {
    public let option: String
    public let path: String
    public let reason: String

    public init(option: String, path: String, reason: String) {
        self.option = option
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write \(option) \(path): \(reason)" }
}
