import Recur
import Testing

/// `RandomWindows`: each window is a slice of the text with its next-token targets, a step's windows
/// depend on the seed and the step alone (what --resume relies on), and steps differ.
@Suite struct RandomWindowsTests {
    let tokens = (0..<500).map { Int32($0) }

    @Test("each window is a run of the text, and its targets are the tokens after its inputs")
    func windowsAreSlices() throws {
        let windows = try RandomWindows(tokens: tokens, batch: 6, length: 9, seed: 3)
        for step in 0..<50 {
            let chunk = windows.chunk(atStep: step)
            #expect(chunk.resetStreams == Array(0..<6))
            for b in 0..<6 {
                let first = chunk.inputs[b]
                #expect(first >= 0 && first + 9 < 500)
                for t in 0..<9 {
                    #expect(chunk.inputs[t * 6 + b] == first + Int32(t))
                    #expect(chunk.targets[t * 6 + b] == first + Int32(t) + 1)
                }
            }
        }
    }

    @Test("a step's windows depend on the seed and the step alone; other steps and seeds differ")
    func reproducible() throws {
        let a = try RandomWindows(tokens: tokens, batch: 4, length: 5, seed: 11)
        let again = try RandomWindows(tokens: tokens, batch: 4, length: 5, seed: 11)
        let other = try RandomWindows(tokens: tokens, batch: 4, length: 5, seed: 12)
        #expect(a.chunk(atStep: 7).inputs == again.chunk(atStep: 7).inputs)
        #expect(a.chunk(atStep: 7).inputs != a.chunk(atStep: 8).inputs)
        #expect(a.chunk(atStep: 7).inputs != other.chunk(atStep: 7).inputs)
    }

    @Test("starts cover the whole text, the last window included")
    func coverage() throws {
        // 12 tokens, windows of 10: starts 0 and 1 only; both must come up.
        let short = try RandomWindows(tokens: Array(tokens[0..<12]), batch: 8, length: 10, seed: 0)
        var starts = Set<Int32>()
        for step in 0..<20 { starts.formUnion((0..<8).map { short.chunk(atStep: step).inputs[$0] }) }
        #expect(starts == [0, 1])
    }

    @Test("a text too short for one window, or a zero batch, is a typed error")
    func errors() {
        #expect(throws: RecurError.self) { try RandomWindows(tokens: [1, 2, 3], batch: 1, length: 3, seed: 0) }
        #expect(throws: RecurError.self) { try RandomWindows(tokens: tokens, batch: 0, length: 3, seed: 0) }
    }
}
