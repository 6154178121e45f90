import Foundation
@testable import RecurCPU
import Testing

/// The vectorised activations against the C library's, over the range cells meet and beyond.
@Suite struct VectorMathAccuracy {
    /// Inputs from -100 to 100, dense near zero where tanh switches formulas.
    static let inputs: [Float] = {
        var values: [Float] = stride(from: -100, through: 100, by: 0.0137).map { Float($0) }
        values += stride(from: -1, through: 1, by: 0.000_731).map { Float($0) }
        values += [0, -0, 0.625, -0.625, 0.6249999, 1e-6, -1e-6, 1e-30, 88, -88, 20, -20]
        return values
    }()

    func check(_ vector: (Vector) -> Vector, _ reference: (Double) -> Double, tolerance: (Double) -> Double) {
        var worst: (x: Float, error: Double) = (0, 0)
        for start in stride(from: 0, to: Self.inputs.count, by: 8) {
            let n = min(8, Self.inputs.count - start)
            var x = Vector()
            for k in 0..<n { x[k] = Self.inputs[start + k] }
            let y = vector(x)
            for k in 0..<n {
                let expected = reference(Double(x[k]))
                let error = abs(Double(y[k]) - expected) / tolerance(expected)
                if !(error <= worst.error) { worst = (x[k], error) }
            }
        }
        #expect(worst.error <= 1, "worst at x = \(worst.x): \(worst.error) x the tolerance")
    }

    @Test func tanh() {
        check(VectorMath.tanh, Foundation.tanh) { 3e-7 * max(abs($0), 1e-30) + 1e-30 }
    }

    @Test func sigmoid() {
        check(VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }) { 3e-7 * abs($0) + 1e-37 }
    }

    @Test func exp() {
        let inRange = Self.inputs.filter { $0 > -87 && $0 < 88 }
        for x in inRange {
            let y = VectorMath.exp(Vector(repeating: x))[0]
            let expected = Foundation.exp(Double(x))
            #expect(abs(Double(y) - expected) <= 3e-7 * expected, "exp(\(x)) = \(y), expected \(expected)")
        }
    }
}
