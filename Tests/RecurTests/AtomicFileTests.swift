import Foundation
import Recur
import RecurTestSupport
import Testing

/// AtomicFile's writes, and the removal of the temporaries a killed writer leaves.
@Suite struct AtomicFileTests {
    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writeReplacesTheFileAndLeavesOnlyIt() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.json")
        try AtomicFile.write(Data("old".utf8), to: url)
        try AtomicFile.write(Data("new contents".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("new contents".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.json"])
    }

    @Test func aFailedWriteNamesThePathAndLeavesNoTemporary() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The target is a non-empty directory: the rename over it fails after the temporary is written.
        let url = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("inside"), withIntermediateDirectories: true)
        let error = #expect(throws: FileWriteError.self) { try AtomicFile.write(Data("x".utf8), to: url) }
        #expect(error?.path == url.path)
        #expect(error?.action.contains("rename") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["taken"])

        let missing = directory.appendingPathComponent("missing/out.json")
        let second = #expect(throws: FileWriteError.self) { try AtomicFile.write(Data("x".utf8), to: missing) }
        #expect(second?.description.contains(missing.path) == true)
    }

    @Test func temporaryNamesSayWhoseTheyAre() {
        let target = URL(fileURLWithPath: "/some/dir/checkpoint.safetensors")
        let temporary = StaleTemporaries.temporaryURL(for: target)
        #expect(temporary.deletingLastPathComponent() == target.deletingLastPathComponent(), "beside the target, for the rename")
        #expect(temporary.lastPathComponent.hasPrefix(".recur-tmp-"))
        #expect(temporary.lastPathComponent.hasSuffix("-checkpoint.safetensors"))
        #expect(StaleTemporaries.writer(ofTemporaryNamed: temporary.lastPathComponent) == getpid())
        let uuid = UUID().uuidString
        for name in ["checkpoint.safetensors", ".checkpoint.safetensors.\(uuid).tmp", ".dat.nosync21BD.ntOzGV",
                     ".recur-tmp-", ".recur-tmp-12-\(uuid)", ".recur-tmp-12-\(uuid)-", ".recur-tmp-x-\(uuid)-a",
                     ".recur-tmp-0-\(uuid)-a", ".recur-tmp-12-not-a-uuid-at-all-not-a-uuid-at-all-x-a"] {
            #expect(StaleTemporaries.writer(ofTemporaryNamed: name) == nil, "\(name)")
        }
        #expect(StaleTemporaries.writer(ofTemporaryNamed: ".recur-tmp-12-\(uuid)-history.csv") == 12)
    }

    /// Only a temporary of AtomicFile's whose writer has ended is removed: a running writer's (this
    /// process's, its parent's) and every other file stay.
    @Test func staleTemporariesOfEndedWritersAreRemoved() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ended = try ToolProcess.endedProcessID()
        let uuid = UUID().uuidString
        // The writer before AtomicFile named its temporaries .<target>.<UUID>.tmp: an hour-old one
        // is stale, a fresh one may still be written by an old version.
        let legacy = ".checkpoint.safetensors.\(UUID().uuidString).tmp"
        let stale = [".recur-tmp-\(ended)-\(uuid)-checkpoint.safetensors", ".recur-tmp-\(ended)-\(UUID().uuidString)-history.csv", legacy]
        let kept = ["checkpoint.safetensors", "notes.txt", ".dat.nosync21BD.ntOzGV", ".checkpoint.safetensors.\(uuid).tmp",
                    ".checkpoint.safetensors.not-a-uuid.tmp", "..\(uuid).tmp",
                    ".recur-tmp-\(getpid())-\(uuid)-checkpoint.safetensors", ".recur-tmp-\(getppid())-\(uuid)-checkpoint.safetensors"]
        for name in stale + kept {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        let anHourAgo = Date(timeIntervalSinceNow: -3600)
        for name in [legacy, ".checkpoint.safetensors.not-a-uuid.tmp", "..\(uuid).tmp"] {
            try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: directory.appendingPathComponent(name).path)
        }
        #expect(StaleTemporaries.remove(in: directory) == stale.sorted())
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: directory.path)) == Set(kept))
        #expect(StaleTemporaries.remove(in: directory.appendingPathComponent("missing")) == [])
    }
}
