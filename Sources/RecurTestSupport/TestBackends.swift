import Recur
import RecurCPU

/// The backends the conformance suite runs on, by name. Every backend listed here runs the whole
/// suite; a backend that cannot be made fails its tests (it is never skipped silently).
public enum TestBackends {
    public static let names: [String] = ["cpu"]

    public static func make(_ name: String) throws -> any Backend {
        switch name {
        case "cpu": return CPUBackend()
        default: throw RecurError.invalidValue("no test backend named \(name)")
        }
    }
}
