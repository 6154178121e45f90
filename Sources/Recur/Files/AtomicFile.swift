import Foundation

/// Replaces a file so that a reader (or the next run, after a crash or `kill -9`) finds either the
/// old file or the complete new one: the bytes go to a temporary file in the same directory (a
/// rename is atomic only within one file system), which is flushed to the disk and then renamed
/// over the target.
///
/// The temporary's name is Recur's own (`StaleTemporaries` recognises it), rather than Foundation's
/// `.atomic` option, whose `.dat.nosync…` temporaries nothing could tell from another program's
/// when a killed run leaves them behind.
public enum AtomicFile {
    /// Writes `data` to `url` atomically. The temporary file is removed when anything fails.
    /// `creatingDirectory`: the folder (and its parents) is made first when missing, as a cache's is.
    public static func write(_ data: Data, to url: URL, creatingDirectory: Bool = false) throws(FileWriteError) {
        if creatingDirectory {
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch {
                throw FileWriteError(path: url.path, action: "cannot create its folder", reason: error.localizedDescription)
            }
        }
        let temporary = StaleTemporaries.temporaryURL(for: url)
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileWriteError(path: url.path, action: "cannot create a temporary file beside it", reason: errnoText())
        }
        var closed = false
        do throws(FileWriteError) {
            try writeAll(data, to: descriptor, path: url.path)
            // Flushed before the rename: renamed first, a crash of the machine could leave the new
            // name pointing at data that never reached the disk.
            guard fsync(descriptor) == 0 else {
                throw FileWriteError(path: url.path, action: "cannot flush the temporary file", reason: errnoText())
            }
            closed = true
            guard close(descriptor) == 0 else {
                throw FileWriteError(path: url.path, action: "cannot close the temporary file", reason: errnoText())
            }
            guard rename(temporary.path, url.path) == 0 else {
                throw FileWriteError(path: url.path, action: "cannot rename the temporary file over it", reason: errnoText())
            }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporary.path)
            throw error
        }
        syncDirectory(of: url)
    }

    /// Every byte of `data` to `descriptor`: write(2) may write less than asked, and is retried
    /// when a signal interrupts it.
    public static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws(FileWriteError) {
        let failure: String? = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errnoText()
                }
                offset += written
            }
            return nil
        }
        if let failure { throw FileWriteError(path: path, action: "cannot write", reason: failure) }
    }

    /// The rename itself reaches the disk when the directory is flushed; where a directory cannot be
    /// opened or flushed (some file systems), the rename stands all the same, so this is best effort.
    private static func syncDirectory(of url: URL) {
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        guard directory >= 0 else { return }
        _ = fsync(directory)
        close(directory)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A file that could not be written: the path, what failed, and the system's reason.
public struct FileWriteError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file being written.
    public let path: String
    /// The step that failed, e.g. "cannot rename the temporary file over it".
    public let action: String
    /// The system's reason (`strerror`, or the underlying error's description).
    public let reason: String

    /// Memberwise.
    public init(path: String, action: String, reason: String) {
        self.path = path
        self.action = action
        self.reason = reason
    }

    /// `CustomStringConvertible`: "path: action: reason".
    public var description: String { "\(path): \(action): \(reason)" }
}
