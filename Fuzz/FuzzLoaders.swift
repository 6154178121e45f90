import Foundation
import Recur
import RecurCPU
import RecurFixtures

// libFuzzer's entry: every loader of untrusted files on one input. Each must return or throw a
// RecurError or SafeTensorsError; a trap, an ASan report, a timeout or an untyped error is a finding.
// Built and run by scripts/fuzz (SwiftPM has no fuzzer products).

/// Inputs above this are parsed and validated but not run: a run is where an unchecked size would
/// trap, but a big one costs seconds and the fuzzer wants thousands of inputs a second.
let runLimit = 30_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let data = Data(bytes: bytes, count: size)
    do {
        try exercise(data)
    } catch is RecurError, is SafeTensorsError {
        // A refusal: what an untrusted file should get.
    } catch {
        fatalError("an untyped error \(type(of: error)): \(error)")
    }
    return 0
}

/// The loaders as the tests' FileMutations and the command lines use them, but every one on every
/// file (not only the one its `kind` names), so that one target covers them all.
func exercise(_ data: Data) throws {
    let file = try SafeTensors(data: data)
    // One thread: the fuzzer runs inputs one after another and a pool would only add noise.
    let backend = CPUBackend(threads: 1)
    let runs = data.count <= runLimit
    do {
        let fixture = try LayerFixture(file)
        if runs { _ = try fixture.run(on: backend) }
    } catch is RecurError, is SafeTensorsError {}
    do {
        let fixture = try TrainFixture(file)
        if runs { _ = try fixture.run(on: backend) }
    } catch is RecurError, is SafeTensorsError {}
    // As rnn-train sample and --resume do: the checkpoint's own model, checked before it is built.
    let header = try Checkpoint.header(of: file, name: "input")
    guard let configuration = header.configuration else { return }
    try Limits.checkMemory(try configuration.memoryEstimate(batch: 1, steps: 1, training: false), for: "input")
    try Checkpoint.checkParameters(in: file, name: "input", shapes: try configuration.parameterShapes())
    let model = try RecurrentModel(configuration, backend: backend)
    try Checkpoint.load(file, named: "input", into: model, optimizer: try Optimizer(.adam(learningRate: 0.01)))
}

/// `RECUR_FUZZ_WRITE_SEEDS=dir` makes the binary write its seed checkpoint there and exit (libFuzzer
/// owns main, so this is the one way in before fuzzing). The checkpoint is the tests' FileMutations
/// one: a small char-model with Adam's state, written by Checkpoint.save after one step.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutableRawPointer) -> CInt {
    guard let directory = getenv("RECUR_FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) else { return 0 }
    // _exit: what this process allocated is not a leak to report, and exit would run LeakSanitizer.
    do {
        try writeSeedCheckpoint(to: URL(fileURLWithPath: directory).appendingPathComponent("checkpoint.safetensors"))
        _exit(0)
    } catch {
        FileHandle.standardError.write(Data("cannot write the seed checkpoint: \(error)\n".utf8))
        _exit(2)
    }
}

func writeSeedCheckpoint(to url: URL) throws {
    let backend = CPUBackend(threads: 1)
    let configuration = ModelConfiguration.languageModel(vocabularySize: 7, embeddingSize: 3, mode: .lstm,
                                                         hiddenSize: 4, numLayers: 2)
    let model = try RecurrentModel(configuration, backend: backend, seed: 3)
    let optimizer = try Optimizer(.adam(learningRate: 0.01))
    let trainer = SequenceTrainer(model: model, optimizer: optimizer, clipNorm: 1)
    let tokens: [Int32] = [1, 2, 3, 4, 5, 6, 0, 1]
    _ = try trainer.stepClassifyingEachStep(
        .tokens(try backend.indices(Array(tokens[0..<6]), shape: [3, 2], limit: 7, name: "tokens")), targets: Array(tokens[2..<8]))
    try Checkpoint.save(model: model, optimizer: optimizer, metadata: ["vocabulary": #"["a","b","c","d","e","f","g"]"#], to: url)
}
