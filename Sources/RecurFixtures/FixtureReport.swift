/// The outcome of one fixture on one backend: every tensor's comparison, or why it could not run.
public struct FixtureReport: Sendable {
    /// The fixture's name, as given to `FixtureRunner.run(_:named:on:)`.
    public let file: String
    /// The backend's `name`.
    public let backend: String
    /// One per tensor compared; empty when the fixture could not run.
    public let comparisons: [Comparison]
    /// Set when the fixture could not be run on the backend (an unsupported kind, a backend error).
    public let problem: String?

    /// Memberwise.
    public init(file: String, backend: String, comparisons: [Comparison], problem: String? = nil) {
        self.file = file; self.backend = backend; self.comparisons = comparisons; self.problem = problem
    }

    /// Whether it ran, compared at least one tensor, and every comparison passed.
    public var passed: Bool { problem == nil && !comparisons.isEmpty && comparisons.allSatisfy(\.passed) }

    /// The comparison closest to (or furthest past) its tolerance.
    public var worst: Comparison? { comparisons.max { $0.worstRatio < $1.worstRatio } }

    /// One line: `PASS|FAIL file backend` then the largest error (tensor, max abs, max rel).
    public var line: String {
        let verdict = passed ? "PASS" : "FAIL"
        if let problem {
            // One line per file and backend, whatever the message (a build log has many).
            let flat = problem.split(whereSeparator: \.isNewline).joined(separator: " | ")
            return "\(verdict) \(file) \(backend) " + (flat.count > 600 ? flat.prefix(600) + " ..." : flat)
        }
        guard let worst else { return "\(verdict) \(file) \(backend) no tensors compared" }
        var text = "\(verdict) \(file) \(backend) worst \(worst.tensor) max_abs \(format(worst.maxAbsolute)) max_rel \(format(worst.maxRelative))"
        let failing = comparisons.filter { !$0.passed }
        if !failing.isEmpty {
            text += " (\(failing.count) tensor\(failing.count == 1 ? "" : "s") outside tolerance: "
                + failing.prefix(4).map { $0.shapeMessage ?? "\($0.tensor) \($0.violations) elements" }.joined(separator: ", ")
                + (failing.count > 4 ? ", ..." : "") + ")"
        }
        return text
    }

    private func format(_ value: Float) -> String {
        value.isFinite ? String(format: "%.3e", Double(value)) : "\(value)"
    }
}

import Foundation
