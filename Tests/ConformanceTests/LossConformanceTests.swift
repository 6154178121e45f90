import Foundation
import Recur
import RecurTestSupport
import Testing

/// The float-target losses against PyTorch (interchange/pytorch_losses_masked.safetensors, written
/// by Tests/tools/make_loss_fixture.py): BCEWithLogitsLoss and MSELoss, mean over the observed
/// elements, a NaN target marking a missing one. Logits of +-30 check the overflow-free form.
@Suite struct LossConformance {
    static func close(_ got: [Float], _ expected: [Float]) -> Bool {
        got.count == expected.count && zip(got, expected).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($1) }
    }

    @Test("masked BCE with logits and MSE reproduce PyTorch", arguments: TestBackends.names)
    func maskedLossesReproducePyTorch(backend name: String) throws {
        let backend = try TestBackends.make(name)
        let file = try SafeTensors(contentsOf: try FixtureFiles.interchange("pytorch_losses_masked.safetensors"))
        let shape = try file.entry("logits").shape
        let observed = Int(file.metadata["observed"] ?? "") ?? -1
        func matrix(_ key: String) throws -> Tensor { try backend.tensor(try file.floats(key), shape: shape) }
        func values(_ t: Tensor) throws -> [Float] { try backend.array(t) }

        let (bce, bceGradient) = try BinaryCrossEntropyLoss.forwardBackward(
            try matrix("logits"), targets: try matrix("labels"), observedCount: observed, backend: backend)
        let bceValue = try bce.value()
        #expect(Self.close([bceValue], try file.floats("bce_loss")), "BCE loss \(bceValue)")
        #expect(Self.close(try values(bceGradient), try file.floats("bce_grad")), "BCE gradient")

        let (mse, mseGradient) = try MeanSquaredErrorLoss.forwardBackward(
            try matrix("predictions"), targets: try matrix("values"), observedCount: observed, backend: backend)
        let mseValue = try mse.value()
        #expect(Self.close([mseValue], try file.floats("mse_loss")), "MSE loss \(mseValue)")
        #expect(Self.close(try values(mseGradient), try file.floats("mse_grad")), "MSE gradient")
    }

    @Test("an observed count beyond the targets is a typed error", arguments: TestBackends.names)
    func observedCountOutOfRange(backend name: String) throws {
        let backend = try TestBackends.make(name)
        let m = try backend.tensor([1, 2, 3, 4], shape: [2, 2])
        #expect(throws: RecurError.self) { try BinaryCrossEntropyLoss.forwardBackward(m, targets: m, observedCount: 5, backend: backend) }
        #expect(throws: RecurError.self) { try MeanSquaredErrorLoss.forwardBackward(m, targets: m, observedCount: -1, backend: backend) }
    }
}
