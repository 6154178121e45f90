/// Elementwise agreement of a computed tensor with PyTorch's, under FORMAT.md's rule
/// |got - expected| <= absolute + relative * |expected|.
public struct Tolerance: Sendable, Equatable {
    /// The bound where the expected value is 0.
    public let absolute: Float
    /// The bound's share of |expected|, added to `absolute`.
    public let relative: Float

    /// Layer cases: one forward and backward in float32.
    public static let layer = Tolerance(absolute: 1e-5, relative: 1e-4)
    /// Training cases: several steps compound rounding.
    public static let training = Tolerance(absolute: 1e-4, relative: 1e-3)
    /// Two float32 runs of a layer-normalised cell against each other (not against a float64
    /// reference, which `layer` holds them to): the normalisations divide by each row's deviation,
    /// and rounding grows with it. PyTorch's own float32 gradients of a bidirectional LN-LSTM of
    /// 256 units (T = 8, B = 8) lay 6.6 times `layer` from its float64 ones (a GRU's 1.6 times).
    /// Two float32 implementations each that far from the exact values can lie twice as far from
    /// each other: 15 times `layer` (Recur's two backends measured 11 times apart there).
    public static let layerNormalized = Tolerance(absolute: 1.5e-4, relative: 1.5e-3)
}

/// How far one tensor is from its reference.
public struct Comparison: Sendable {
    /// The fixture name of the tensor compared ("output", "grad.weight_ih_l0").
    public let tensor: String
    /// Largest |got - expected| (infinity for a NaN or a count mismatch).
    public let maxAbsolute: Float
    /// Largest |got - expected| / |expected| over elements whose expected value is not zero.
    public let maxRelative: Float
    /// Largest |got - expected| / (absolute + relative * |expected|): the tensor passes when <= 1.
    public let worstRatio: Float
    /// Elements outside the tolerance, and where the first one is.
    public let violations: Int
    /// Index of the first element outside the tolerance; nil when none is.
    public let firstViolation: Int?
    /// Whether the shapes agreed (a mismatch fails outright).
    public let shapeMessage: String?

    /// Whether the shapes agreed and every element is within the tolerance.
    public var passed: Bool { shapeMessage == nil && violations == 0 }

    /// Compares `got` with `expected` elementwise; a NaN fails, and so does a difference in element count.
    public init(tensor: String, got: [Float], expected: [Float], tolerance: Tolerance) {
        self.tensor = tensor
        guard got.count == expected.count else {
            self.maxAbsolute = .infinity; self.maxRelative = .infinity; self.worstRatio = .infinity
            self.violations = max(got.count, expected.count); self.firstViolation = 0
            self.shapeMessage = "\(tensor) has \(got.count) elements, the reference \(expected.count)"
            return
        }
        var maxAbsolute: Float = 0, maxRelative: Float = 0, worstRatio: Float = 0
        var violations = 0
        var firstViolation: Int?
        for index in got.indices {
            let difference = abs(got[index] - expected[index])
            let bound = tolerance.absolute + tolerance.relative * abs(expected[index])
            // A NaN anywhere fails: comparisons with NaN are false, so test the passing side.
            let within = difference <= bound
            if !within {
                violations += 1
                if firstViolation == nil { firstViolation = index }
            }
            let ratio = within ? difference / bound : (difference.isNaN ? .infinity : difference / bound)
            maxAbsolute = max(maxAbsolute, difference.isNaN ? .infinity : difference)
            if expected[index] != 0 { maxRelative = max(maxRelative, difference.isNaN ? .infinity : difference / abs(expected[index])) }
            worstRatio = max(worstRatio, ratio)
        }
        self.maxAbsolute = maxAbsolute; self.maxRelative = maxRelative; self.worstRatio = worstRatio
        self.violations = violations; self.firstViolation = firstViolation; self.shapeMessage = nil
    }
}
