import Foundation
import Recur

/// The reference fixtures bundled with the test support (see Fixtures/README.md).
public enum FixtureFiles {
    static var root: URL? { Bundle.module.url(forResource: "Fixtures", withExtension: nil) }

    /// Every reference fixture (FORMAT.md's layer and train cases) in shared/ and generated/, sorted by name.
    public static var all: [URL] {
        guard let root else { return [] }
        var urls: [URL] = []
        for folder in ["shared", "generated"] {
            let files = (try? FileManager.default.contentsOfDirectory(
                at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)) ?? []
            urls += files.filter { $0.pathExtension == "safetensors" }
        }
        return urls.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// A file of interchange/: checkpoints written by PyTorch (Tests/tools/make_interchange_fixture.py).
    public static func interchange(_ name: String) throws -> URL {
        guard let url = root?.appendingPathComponent("interchange/\(name)"),
              FileManager.default.fileExists(atPath: url.path) else {
            throw RecurError.invalidValue("interchange fixture \(name) is not bundled")
        }
        return url
    }
}
