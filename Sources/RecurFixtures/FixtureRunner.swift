import Foundation
import Recur

/// Runs fixture files (shared/fixtures/FORMAT.md) on a backend. A file that cannot be read is an
/// error (the caller reports it as unusable input); a kind this runner does not handle yet is a
/// failing report that says so.
public enum FixtureRunner {
    /// Why `load` refused a file.
    public enum Failure: Error, CustomStringConvertible {
        /// The file at `path` could not be read or did not validate; `reason` says why.
        case unreadable(path: String, reason: String)
        /// `CustomStringConvertible`: the path and the reason.
        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "cannot read fixture \(path): \(reason)"
            }
        }
    }

    /// Reads and validates a fixture file: the safetensors format, and for the kinds this runner
    /// knows, every metadata field and tensor against FORMAT.md (sizes within Recur's `Limits`,
    /// shapes, indices, finite values), so that an unusable file is named before anything runs.
    public static func load(_ url: URL) throws -> SafeTensors {
        do {
            let file = try SafeTensors(contentsOf: url)
            switch file.metadata["kind"] {
            case "layer": _ = try LayerFixture(file)
            case "train": _ = try TrainFixture(file)
            default: break  // reported as not supported when run
            }
            return file
        } catch {
            throw Failure.unreadable(path: url.path, reason: "\(error)")
        }
    }

    /// Runs one loaded fixture on `backend`.
    public static func run(_ file: SafeTensors, named name: String, on backend: any Backend) -> FixtureReport {
        let kind = file.metadata["kind"] ?? "(none)"
        do {
            switch kind {
            case "layer":
                let comparisons = try LayerFixture(file).run(on: backend)
                return FixtureReport(file: name, backend: backend.name, comparisons: comparisons)
            case "train":
                let comparisons = try TrainFixture(file).run(on: backend)
                return FixtureReport(file: name, backend: backend.name, comparisons: comparisons)
            default:
                return FixtureReport(
                    file: name, backend: backend.name, comparisons: [],
                    problem: "fixture kind \"\(kind)\" is not supported (layer and train fixtures are)")
            }
        } catch {
            return FixtureReport(file: name, backend: backend.name, comparisons: [], problem: "error: \(error)")
        }
    }
}
