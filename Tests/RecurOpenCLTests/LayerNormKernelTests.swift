import Recur
@testable import RecurOpenCL
import RecurTestSupport
import Testing

/// The layer-norm row kernels (Kernels/layer_norm.cl) at every vector width and both row widths,
/// on whatever device runs the tests: each device picks one pair (`LayerNormKernels.unitWidth`,
/// `Reduction.rowWidth`), and the others must give the same results. Hidden sizes below, between
/// and above the vector widths, with lengths, so that partial chunks and finished rows are reached.
@Suite(.enabled(if: TestDevice.shouldRun, TestDevice.skipReason))
struct LayerNormKernelTests {
    static let cases: [RandomCase] = {
        let shapes: [(CellMode, input: Int, hidden: Int, bidirectional: Bool, lengths: Bool)] = [
            (.lstm, 5, 13, false, true), (.lstm, 7, 37, true, false), (.lstm, 3, 8, false, false),
            (.gru, 6, 21, false, true), (.gru, 4, 16, true, true),
        ]
        return shapes.enumerated().map { index, shape in
            let descriptor = try! RNNDescriptor(mode: shape.0, inputSize: shape.input, hiddenSize: shape.hidden,
                                                bidirectional: shape.bidirectional, layerNorm: true)
            return RandomCase(descriptor, steps: 5, batch: 3, variableLengths: shape.lengths, seed: 4100 + UInt64(index))
        }
    }()

    @Test(arguments: [1, 8, 16], [1, Reduction.width])
    func cellsAgreeWithTheCPUAtEveryWidth(unitWidth: Int, rowWidth: Int) throws {
        let cl = try TestDevice.backend()
        cl.layerNormUnitWidth = unitWidth
        cl.lossRowWidth = rowWidth
        let suite = ConformanceSuite(backend: cl)
        for testCase in Self.cases {
            for comparison in try suite.agreement(testCase, tolerance: .layerNormalized) {
                #expect(comparison.passed, "\(testCase) at \(unitWidth) x \(rowWidth): \(comparison.tensor) max_abs \(comparison.maxAbsolute)")
            }
        }
    }
}
