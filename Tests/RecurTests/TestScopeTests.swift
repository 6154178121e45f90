import RecurTestSupport
import Testing

/// The sampled tables of a default run: every value of both axes still runs.
@Suite struct TestScopeTests {
    @Test func theDefaultSubsetCoversEveryValueOfBothAxes() {
        let pairs = TestScope.pairs(Array(0..<14), Array("abcdefgh"), perA: 2, exhaustive: false)
        #expect(pairs.count == 28)
        #expect(Set(pairs.map(\.0)) == Set(0..<14))
        #expect(Set(pairs.map(\.1)) == Set("abcdefgh"))
        // Rotating: the first cases take a-b, c-d, e-f, g-h, then a-b again.
        #expect(pairs.prefix(10).map(\.1) == Array("abcdefghab"))
    }

    @Test func exhaustiveIsTheCrossProduct() {
        let pairs = TestScope.pairs(Array(0..<14), Array("abcdefgh"), perA: 2, exhaustive: true)
        #expect(pairs.count == 112)
        #expect(Set(pairs.map { "\($0.0)\($0.1)" }).count == 112)
        // Asking for as many as there are is the cross product too.
        #expect(TestScope.pairs([1, 2], ["x", "y"], perA: 2, exhaustive: false).count == 4)
    }
}
