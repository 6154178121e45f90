import Foundation

/// How much of the heaviest parameterised tables a test run takes. By default a fixed,
/// deterministic subset that still covers every value of each table's axes (see `pairs`); with
/// RECUR_TEST_EXHAUSTIVE=1 (CI, `.ci/run`) the whole cross product. Read here and by the tests
/// only: the libraries never look at it.
///
/// Only tables whose axes are independent are sampled: the code each axis value selects (a team
/// split, a thread count) runs in several rows of the subset, against several cases. Fixtures and
/// the conformance suite's own tables are never sampled.
public enum TestScope {
    public static let variable = "RECUR_TEST_EXHAUSTIVE"

    public static let isExhaustive = ProcessInfo.processInfo.environment[variable] == "1"

    /// Every (a, b) pair when exhaustive; otherwise each `a` with `perA` of the `b`s, rotating
    /// through `b` so that consecutive `a`s take the next ones: every `b` runs (given
    /// `as.count * perA >= bs.count`), each with about `as.count * perA / bs.count` of the `a`s.
    public static func pairs<A, B>(_ `as`: [A], _ bs: [B], perA: Int) -> [(A, B)] {
        pairs(`as`, bs, perA: perA, exhaustive: isExhaustive)
    }

    /// `pairs(_:_:perA:)` with the scope given (for its own tests).
    public static func pairs<A, B>(_ `as`: [A], _ bs: [B], perA: Int, exhaustive: Bool) -> [(A, B)] {
        guard !exhaustive, perA < bs.count else { return `as`.flatMap { a in bs.map { (a, $0) } } }
        return `as`.enumerated().flatMap { index, a in
            (0..<perA).map { (a, bs[(index * perA + $0) % bs.count]) }
        }
    }
}
