/// Inference and evaluation: evaluation mode (no dropout, no activations kept for a backward),
/// results on the host in one call.
extension RecurrentModel {
    /// Which predictions a call returns: one per step (many-to-many) or one per sequence from its
    /// final state (many-to-one).
    public enum Mapping: Sendable {
        case eachStep, final
    }

    /// Predictions read back to the host: `values` row-major with `shape` [rows, outputs], rows
    /// being T*B time-major (`eachStep`) or B (`final`).
    public struct Prediction: Sendable {
        /// The predictions, row-major: `rows` rows of `outputs` values each.
        public let values: [Float]
        /// [rows, outputs].
        public let shape: [Int]

        /// T*B (`eachStep`) or B (`final`).
        public var rows: Int { shape[0] }
        /// The head's outputs per row: logits over the classes or vocabulary, or regression values.
        public var outputs: Int { shape[1] }

        /// Row `index`'s outputs (logits, values).
        public func row(_ index: Int) -> ArraySlice<Float> {
            values[(index * outputs)..<((index + 1) * outputs)]
        }

        /// Each row's largest output's index: the predicted class.
        public var classes: [Int] {
            (0..<rows).map { r in row(r).indices.max { values[$0] < values[$1] }! - r * outputs }
        }
    }

    /// Evaluation-mode predictions on the host: the call to make a prediction with a trained model.
    public func predict(_ input: SequenceInput, state: RecurrentState? = nil, lengths: [Int]? = nil,
                        mapping: Mapping = .final) throws -> Prediction {
        let p = try callAsFunction(input, state: state, lengths: lengths, mapping: mapping)
        return Prediction(values: try backend.array(p), shape: p.shape)
    }

    /// Evaluation-mode predictions as a device tensor (rows, outputs): `model(input)`.
    public func callAsFunction(_ input: SequenceInput, state: RecurrentState? = nil, lengths: [Int]? = nil,
                               mapping: Mapping = .final) throws -> Tensor {
        let forward = mapping == .final
            ? try forwardFinal(input, state: state, lengths: lengths, training: false)
            : try forwardSequence(input, state: state, lengths: lengths, training: false)
        return forward.predictions
    }

    /// A held-out batch of a many-to-one classification task.
    public struct LabelledBatch {
        /// The sequences to classify, tokens or features as the model reads them.
        public var input: SequenceInput
        /// One class per sequence (B).
        public var targets: [Int32]
        /// Each sequence's length (B), or nil when every sequence has all T steps.
        public var lengths: [Int]?

        /// Memberwise.
        public init(input: SequenceInput, targets: [Int32], lengths: [Int]? = nil) {
            self.input = input; self.targets = targets; self.lengths = lengths
        }
    }

    /// Mean cross-entropy and accuracy over `batches` of sequences, each classified from its final
    /// state, in evaluation mode; nothing is kept between batches.
    public struct Evaluation: Sendable {
        /// The mean cross-entropy per sequence over every batch.
        public let meanLoss: Float
        /// The fraction of sequences whose largest logit is their target, in [0, 1].
        public let accuracy: Float
        /// The number of sequences evaluated.
        public let count: Int
    }

    /// Classifies every sequence of `batches` from its final state in evaluation mode (see `Evaluation`);
    /// throws `invalidValue` when the batches hold no sequences.
    public func evaluateClassifying(_ batches: [LabelledBatch]) throws -> Evaluation {
        var lossSum: Double = 0, correct = 0, count = 0
        for batch in batches {
            let forward = try forwardFinal(batch.input, lengths: batch.lengths, training: false)
            let logits = forward.predictions
            let targets = try backend.indices(batch.targets, shape: [batch.targets.count], limit: logits.shape[1], name: "targets")
            let (loss, _) = try CrossEntropyLoss.forwardBackward(logits, targets: targets, validCount: batch.targets.count,
                                                                 backend: backend)
            lossSum += Double(try loss.value()) * Double(batch.targets.count)
            let prediction = Prediction(values: try backend.array(logits), shape: logits.shape)
            correct += zip(prediction.classes, batch.targets).filter { $0 == Int($1) }.count
            count += batch.targets.count
        }
        guard count > 0 else { throw RecurError.invalidValue("evaluateClassifying was given no sequences") }
        return Evaluation(meanLoss: Float(lossSum / Double(count)), accuracy: Float(correct) / Float(count), count: count)
    }
}
