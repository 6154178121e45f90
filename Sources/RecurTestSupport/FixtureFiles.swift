import Foundation

/// The reference fixtures bundled with the test support (see Fixtures/README.md).
public enum FixtureFiles {
    /// Every `.safetensors` file under Fixtures/, sorted by name.
    public static var all: [URL] {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return [] }
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        var urls: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "safetensors" { urls.append(url) }
        }
        return urls.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
