import Recur

/// The built-in task: add two n-bit numbers read one bit of each per step, least significant bit
/// first, and emit the sum's bit at each step (n + 1 steps: the last one reads zeros and emits the
/// carry). The network must learn to keep the carry in its state; one that does adds numbers of any
/// length, so training on 8-bit numbers and testing on 16 and 32 bits shows the recurrence at work
/// rather than memorisation.
struct BinaryAdditionTask {
    /// Width of the training numbers.
    let bits: Int

    /// An encoded batch: (T, B, 2) features and (T*B) sum bits, time-major like the model's input.
    struct Batch {
        let steps: Int
        let batch: Int
        let features: [Float]
        let targets: [Int32]
    }

    static let featureCount = 2
    static let classCount = 2

    /// A tenth of the 8-bit pairs is never trained on, chosen by a hash so that the split is the same
    /// in every run and needs no table. Evaluating on them shows generalisation within the training width.
    static func isHeldOut(_ a: UInt64, _ b: UInt64) -> Bool {
        var x = (a << 32) ^ b ^ 0x5DEE_CE66_D1CE_4E5B
        x = (x ^ (x >> 31)) &* 0x7FB5_D329_728E_A185
        x = (x ^ (x >> 27)) &* 0x81DA_DEF4_BC2D_D44D
        return (x ^ (x >> 33)) % 10 == 0
    }

    /// `count` random training pairs of `bits`-bit numbers, never a held-out one.
    func trainingPairs(_ count: Int, using generator: inout SeededGenerator) -> [(UInt64, UInt64)] {
        var pairs: [(UInt64, UInt64)] = []
        pairs.reserveCapacity(count)
        while pairs.count < count {
            let pair = (Self.random(bits: bits, using: &generator), Self.random(bits: bits, using: &generator))
            if !Self.isHeldOut(pair.0, pair.1) { pairs.append(pair) }
        }
        return pairs
    }

    /// Every held-out pair of the training width (about a tenth of all pairs: 6,554 at 8 bits).
    func heldOutPairs() -> [(UInt64, UInt64)] {
        precondition(bits <= 12, "enumerating every pair is for small widths")
        var pairs: [(UInt64, UInt64)] = []
        for a in 0..<(UInt64(1) << bits) {
            for b in 0..<(UInt64(1) << bits) where Self.isHeldOut(a, b) { pairs.append((a, b)) }
        }
        return pairs
    }

    /// `count` random pairs of `bits`-bit numbers (at most 62 bits, so that the sum fits).
    static func randomPairs(_ count: Int, bits: Int, using generator: inout SeededGenerator) -> [(UInt64, UInt64)] {
        (0..<count).map { _ in (random(bits: bits, using: &generator), random(bits: bits, using: &generator)) }
    }

    static func random(bits: Int, using generator: inout SeededGenerator) -> UInt64 {
        generator.next() & ((UInt64(1) << bits) - 1)
    }

    /// Encodes pairs of `bits`-bit numbers: step t reads bit t of a and of b (zeros at t = bits) and
    /// targets bit t of a + b.
    static func encode(_ pairs: [(UInt64, UInt64)], bits: Int) -> Batch {
        let steps = bits + 1, batch = pairs.count
        var features = [Float](repeating: 0, count: steps * batch * featureCount)
        var targets = [Int32](repeating: 0, count: steps * batch)
        for (b, (x, y)) in pairs.enumerated() {
            let sum = x + y
            for t in 0..<steps {
                let row = t * batch + b
                features[row * featureCount] = Float((x >> t) & 1)
                features[row * featureCount + 1] = Float((y >> t) & 1)
                targets[row] = Int32((sum >> t) & 1)
            }
        }
        return Batch(steps: steps, batch: batch, features: features, targets: targets)
    }

    /// The model the task trains: float features in, a 2-way classification at every step.
    static func modelConfiguration(mode: CellMode, hiddenSize: Int, numLayers: Int, projectionSize: Int = 0,
                                   layerNorm: Bool = false, zoneout: Float = 0, cellClip: Float = 0) -> ModelConfiguration {
        ModelConfiguration(vocabularySize: nil, inputSize: featureCount, mode: mode, hiddenSize: hiddenSize,
                           numLayers: numLayers, projectionSize: projectionSize, layerNorm: layerNorm, zoneout: zoneout,
                           cellClip: cellClip, outputSize: classCount)
    }

    struct Accuracy {
        /// Sum bits predicted right, of all.
        var bits: Double
        /// Sums with every bit right (the carry included), of all.
        var exact: Double
    }

    /// The model's accuracy on pairs of `bits`-bit numbers, in batches of at most `batchSize`, without
    /// dropout; the prediction at each step is the larger of the two logits.
    static func evaluate(_ model: RecurrentModel, pairs: [(UInt64, UInt64)], bits: Int, batchSize: Int = 1024) throws -> Accuracy {
        var rightBits = 0, rightSums = 0
        for start in stride(from: 0, to: pairs.count, by: batchSize) {
            let encoded = encode(Array(pairs[start..<min(start + batchSize, pairs.count)]), bits: bits)
            let input = try model.backend.tensor(encoded.features, shape: [encoded.steps, encoded.batch, featureCount])
            let forward = try model.forwardSequence(.features(input), training: false)
            let logits = try model.backend.array(forward.predictions)
            var sumRight = [Bool](repeating: true, count: encoded.batch)
            for row in 0..<(encoded.steps * encoded.batch) {
                let predicted: Int32 = logits[row * classCount + 1] > logits[row * classCount] ? 1 : 0
                if predicted == encoded.targets[row] {
                    rightBits += 1
                } else {
                    sumRight[row % encoded.batch] = false
                }
            }
            rightSums += sumRight.filter { $0 }.count
        }
        let total = max(pairs.count, 1)
        return Accuracy(bits: Double(rightBits) / Double(total * (bits + 1)), exact: Double(rightSums) / Double(total))
    }
}
