import Foundation
import Recur
import RecurFixtures
import RecurTestSupport
import Testing

/// The one conformance suite, run on every backend in `TestBackends` (tinygrad's test/backend idea):
/// PyTorch's fixtures, agreement with the CPU reference where no fixture exists, finite differences.
@Suite struct Conformance {
    @Test("fixture reproduces PyTorch", arguments: TestBackends.names, FixtureFiles.all)
    func fixture(backend: String, file: URL) throws {
        let suite = ConformanceSuite(backend: try TestBackends.make(backend))
        let report = try suite.fixture(file)
        #expect(report.passed, "\(report.line)")
    }

    @Test("agrees with the CPU reference", arguments: TestBackends.names, ConformanceCases.agreement)
    func agreement(backend: String, testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try TestBackends.make(backend))
        let tolerance: Tolerance = testCase.descriptor.layerNorm ? .layerNormalized : .layer
        for comparison in try suite.agreement(testCase, tolerance: tolerance) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute) (\(comparison.violations) elements)")
        }
    }

    @Test("padded scratch rows give the results of unpadded ones", arguments: TestBackends.names, ConformanceCases.paddedRows)
    func paddedRows(backend: String, testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try TestBackends.make(backend))
        for comparison in try suite.paddingAgreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute)")
        }
    }

    @Test("a backward without the input's gradient gives the same other gradients",
          arguments: TestBackends.names, ConformanceCases.withoutInputGradient)
    func withoutInputGradient(backend: String, testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try TestBackends.make(backend))
        let (hasInputGradient, comparisons) = try suite.withoutInputGradient(testCase)
        #expect(!hasInputGradient, "\(testCase): grad_input computed although not asked for")
        for comparison in comparisons {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute)")
        }
    }

    @Test("analytic gradients match finite differences", arguments: TestBackends.names, ConformanceCases.gradientCheck)
    func gradients(backend: String, testCase: RandomCase) throws {
        let suite = ConformanceSuite(backend: try TestBackends.make(backend))
        let report = try suite.gradientCheck(testCase)
        #expect(report.passed, "\(report)")
    }

    @Test("the bundled fixtures cover every cell and option")
    func fixtureSet() throws {
        let names = Set(FixtureFiles.all.map { $0.deletingPathExtension().lastPathComponent })
        // The nine shared cases and the generated ones (Fixtures/README.md).
        for expected in ["rnn_tanh_1l", "rnn_relu_2l", "lstm_1l", "lstm_2l_bi", "lstm_varlen", "lstm_nobias_batchfirst",
                         "gru_1l", "gru_2l_bi", "gru_varlen_bi", "gru_odd_13x37", "lstm_3l", "rnn_tanh_t200",
                         "lstm_b1", "gru_bf_varlen_bi_2l", "rnn_relu_nobias_bi_varlen", "lstm_bf_varlen_bi_nobias_2l",
                         "train_lstm_sgd", "train_gru_adam", "train_lstm_rmsprop", "train_gru_adagrad",
                         "train_lstm_2l_rmsprop_centered_momentum_wd", "train_gru_2l_adagrad_decay_init_wd"] {
            #expect(names.contains(expected), "missing fixture \(expected)")
        }
    }
}

/// Whole models (embedding, stack, head, each loss) on every backend.
@Suite struct ModelConformance {
    @Test("model gradients match finite differences", arguments: TestBackends.names, ModelCase.all)
    func gradients(backend: String, testCase: ModelCase) throws {
        let report = try ConformanceSuite(backend: try TestBackends.make(backend)).modelGradientCheck(testCase)
        #expect(report.passed, "\(report)")
    }

    @Test("model agrees with the CPU reference, dropout included", arguments: TestBackends.names, ModelCase.all)
    func agreement(backend: String, testCase: ModelCase) throws {
        for comparison in try ConformanceSuite(backend: try TestBackends.make(backend)).modelAgreement(testCase) {
            #expect(comparison.passed, "\(testCase): \(comparison.tensor) max_abs \(comparison.maxAbsolute)")
        }
    }
}
