/// A RECUR_* environment variable whose value a command cannot use: the variable, its value, and
/// what it accepts. Every variable the command lines read (`BackendSettings`) is checked the same
/// way: a value that names nothing is this error, ending the command with status 2 before any work,
/// never a silent fallback to the default (a benchmark that quietly timed something else, or a
/// training run on other threads than asked, would be worse than no run).
public struct EnvironmentValueError: Error, Equatable, CustomStringConvertible, Sendable {
    public let variable: String
    public let value: String
    /// What to write instead, as the message puts it after "use" ("per-step, by-units or by-rows").
    public let accepted: String

    public init(variable: String, value: String, accepted: String) {
        self.variable = variable
        self.value = value
        self.accepted = accepted
    }

    public var description: String { "\(variable) is \"\(value)\"; use \(accepted), or leave it unset" }
}
