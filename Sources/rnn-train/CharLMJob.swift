import Foundation
import Recur
import RecurCLI

/// `rnn-train --text FILE`: a character-level language model trained with truncated BPTT over the
/// training text (TruncatedBPTT: the state carried from chunk to chunk, reset where a stream starts
/// over), with validation and a sample every --eval-every steps, checkpoints, the loss history, and
/// --resume. The data position is a function of the step (the stream is replayed up to it) and the
/// carried state is in the checkpoint, so a resumed run computes the losses the uninterrupted one does.
/// Ctrl-C or SIGTERM ends the run after the current step with a checkpoint and the history, ready to
/// resume (InterruptWatch).
struct CharLMJob {
    static let defaultSteps = 2000

    let command: TrainCommand
    let textPath: String

    func run() throws {
        do {
            try train()
        } catch let interrupted as InterruptedRun {
            // Every rank stops at the same step (agreed), so MPI ends in order; any other error
            // ends this rank alone, without MPI_Finalize, and mpirun then stops the others.
            try TrainingRanks.finish()
            throw interrupted
        }
        try TrainingRanks.finish()
    }

    private func train() throws {
        let header = try command.resume.map(TrainingCheckpoint.header)
        let target = command.targetSteps(default: Self.defaultSteps)
        let settings = try command.settings(defaults: .charLMDefaults, stored: header?.settings, storedModel: header?.model,
                                            targetSteps: target)
        let corpus = try CharCorpus(path: textPath, vocabulary: header?.vocabulary, chunkLength: settings.seqLen)
        let configuration = settings.languageModel(vocabularySize: corpus.vocabulary.count)
        if let header { try Self.checkSameModel(configuration, as: header) }
        // Under mpirun: this rank's streams of the batch; rank 0 alone writes files and prints.
        let ranks = try TrainingRanks.fromLauncher()
        let streams = try ranks?.streams(ofBatch: settings.batch) ?? 0..<settings.batch
        let isLeader = ranks?.isLeader ?? true
        if !isLeader {
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, STDOUT_FILENO); close(null) }
        }
        let directory = isLeader ? try Self.outputDirectory(command.out) : URL(fileURLWithPath: command.out)
        let checkpointURL = directory.appendingPathComponent("checkpoint.safetensors")
        let bestURL = directory.appendingPathComponent("best.safetensors")

        let backend = try command.backend.makeBackend(device: command.device ?? ranks?.deviceForRank(command.backend))
        try Self.checkMemory(configuration, settings: settings, validationBatches: command.valBatches,
                             validationTokens: corpus.validation.count, backend: backend)
        let model = try RecurrentModel(configuration, backend: backend, seed: settings.seed)
        let optimizer = try Optimizer(settings.optimizer)
        var state: RecurrentState?
        if let header {
            try TrainingCheckpoint.load(header, into: model, optimizer: optimizer)
            if settings.batching == .windows {
                // Every window starts from zero state: nothing is carried.
            } else if let saved = try header.state(batch: settings.batch) {
                // The whole batch's state; this rank's streams of it.
                let d = model.rnn.descriptor, b = settings.batch
                let h = TrainingRanks.rows(of: saved.h, batch: b, width: d.stateSize, streams: streams)
                let c = saved.c.map { TrainingRanks.rows(of: $0, batch: b, width: d.hiddenSize, streams: streams) }
                state = RecurrentState(h: try backend.tensor(h, shape: [d.stateCount, streams.count, d.stateSize]),
                                       c: try c.map { try backend.tensor($0, shape: [d.stateCount, streams.count, d.hiddenSize]) })
            } else if optimizer.step > 0 {
                Console.error("rnn-train: \(header.name) holds no carried state for batch \(settings.batch); the streams start from zero state")
            }
        }
        let startStep = optimizer.step
        // Every rank starts from rank 0's parameters, and its own dropout masks (one seed per rank).
        try ranks?.parallel.broadcastParameters(model.blocks)
        let trainer = SequenceTrainer(model: model, optimizer: optimizer, schedule: settings.learningRateSchedule,
                                      clipNorm: settings.clipNorm, clipValue: settings.clipValue,
                                      seed: settings.dropoutSeed(atStep: startStep) &+ UInt32(ranks?.rank ?? 0) &* 0x9E37_79B9)
        trainer.gradientReduction = ranks?.parallel
        let validation = isLeader ? try ValidationSet(tokens: corpus.validation, batches: command.valBatches, batch: settings.batch,
                                                      length: settings.seqLen, vocabularySize: corpus.vocabulary.count,
                                                      backend: backend) : nil

        let parameterCount = model.blocks.reduce(0) { $0 + $1.parameterLayout.entries.reduce(0) { $0 + $1.count } }
        print("rnn-train: character model of \(corpus.name): \(corpus.vocabulary.count) distinct characters, "
              + "\(corpus.train.count) for training, \(corpus.validation.count) for validation")
        print("backend \(backend.summary)")
        print("model \(settings.cellName) \(settings.layers)x\(settings.hidden)"
              + (settings.projection.map { " projected to \($0)" } ?? "") + ", embedding \(settings.embedding), "
              + "\(parameterCount) parameters; \(settings.optimizer.kind.rawValue) lr \(settings.optimizer.learningRate), "
              + "clip \(settings.clipNorm.map { "\($0)" } ?? "none"), batch \(settings.batch) x \(settings.seqLen)")
        if let ranks { print("data-parallel on \(ranks.size) ranks (mpirun): \(streams.count) streams each") }
        if let header { print("resuming \(header.path) at step \(startStep)") }
        if let target, startStep >= target {
            print("the checkpoint is at step \(startStep), which --steps \(target) has reached already: nothing to train")
            return
        }
        Console.flush()

        var batches = try TextBatches(settings, text: corpus.train, firstStep: startStep)

        let history = isLeader ? try HistoryLog(directory: directory, rows: header != nil ? History.rows(in: directory, upTo: startStep) : [])
            : nil
        let previousSeconds = history?.rows.last?.seconds ?? 0
        // The lowest validation loss so far, resumed runs included: best.safetensors holds its parameters.
        var best = history?.rows.compactMap { row in row.valLoss.map { (step: row.step, loss: $0) } }.min { $0.loss < $1.loss }
        let progress = ProgressBar(totalSteps: target, timeLimit: command.minutes.map { $0 * 60 }, firstStep: startStep,
                                   unitsPerStep: settings.batch * settings.seqLen, unitName: "chars", shown: isLeader)
        let title = "\(corpus.name): \(settings.cellName) \(settings.layers)x\(settings.hidden) character model"
        let ceiling = LossCeiling.ceiling(classes: corpus.vocabulary.count)
        var losses = PendingLosses(ceiling: ceiling)
        var window = LossWindow(after: startStep)
        var lastSaved: Int?
        let checkpointExisted = FileManager.default.fileExists(atPath: checkpointURL.path)
        var step = startStep
        // Watched from the first step on: until then a Ctrl-C has nothing to save and ends the run.
        let watch = InterruptWatch(secondSignalMessage: "rnn-train: stopped at once by a second signal; "
                                   + "the last checkpoint written, if any, is kept in \(directory.path)")
        defer { watch.stop() }
        var stoppedBy: Int32?

        do {
            while true {
                let chunk = batches.next()
                if !batches.carriesState { state = nil }
                try state?.reset(streams: chunk.resetStreams.filter(streams.contains).map { $0 - streams.lowerBound }, backend: backend)
                let inputs = try backend.indices(TrainingRanks.columns(chunk.inputs, batch: settings.batch, streams: streams),
                                                 shape: [settings.seqLen, streams.count], limit: corpus.vocabulary.count, name: "inputs")
                let targets = TrainingRanks.columns(chunk.targets, batch: settings.batch, streams: streams)
                let result = try trainer.stepClassifyingEachStep(.tokens(inputs), targets: targets, state: state)
                state = result.state
                step += 1
                losses.append(result.loss, step: step)

                var timeUp = command.minutes.map { progress.elapsed >= $0 * 60 } ?? false
                var signal = watch.requested
                if let ranks {
                    // The ranks end together: at the first rank's time limit or signal.
                    timeUp = try ranks.any(timeUp)
                    let agreed = try ranks.maximum(signal ?? 0)
                    signal = agreed > 0 ? agreed : nil
                }
                let last = step == target || timeUp
                // Read once a step: the step that sees the request is the one saved (the last step
                // is saved anyway, and the run ends as a finished one).
                stoppedBy = last ? nil : signal
                let evaluate = step % command.evalEvery == 0 || last
                let checkpoint = step % command.checkpointEvery == 0 || last || stoppedBy != nil
                // Rows also fall on checkpoint steps, so that a run resumed from one averages the same
                // steps into each row as the uninterrupted run.
                guard step % command.logEvery == 0 || evaluate || checkpoint else {
                    progress.tick(step: step)
                    continue
                }

                var trainLoss = try losses.drain()
                if let ranks, let local = trainLoss { trainLoss = try ranks.mean(local) }
                var row = HistoryRow(step: step, trainLoss: trainLoss, valLoss: nil,
                                     seconds: previousSeconds + progress.elapsed)
                if let loss = row.trainLoss {
                    progress.update(step: step, loss: loss)
                    window.add(mean: loss, through: step)
                }
                if evaluate, let validation {
                    let loss = try validation.loss(of: model)
                    try LossCeiling.check(loss, ceiling: ceiling, step: step, what: "the validation loss")
                    row.valLoss = loss
                    if loss < best?.loss ?? .infinity {
                        // For evaluation and sampling: the carried state is left out (resume from checkpoint.safetensors).
                        try TrainingCheckpoint.save(model: model, optimizer: optimizer, settings: settings, vocabulary: corpus.vocabulary,
                                                    textName: corpus.name, state: nil, to: bestURL)
                        best = (step, loss)
                    }
                    progress.print(String(format: "step %6d%@  %@  val %.4f  (%@ chars/s)", step,
                                          target.map { "/\($0)" } ?? "", window.take(), loss,
                                          ProgressBar.compact(Double((step - startStep) * settings.batch * settings.seqLen) / max(progress.elapsed, 1e-9))))
                    progress.print(try sample(model, corpus: corpus, seed: settings.seed &+ UInt64(step)))
                }
                try history?.append(row)
                if checkpoint {
                    // The ranks' parameters must be the same bits (a hash compared across ranks: cheap).
                    if let ranks, !(try ranks.parallel.parametersIdentical(model.blocks)) {
                        throw RNNTrainFailure("the ranks' parameters differ at step \(step): the ranks no longer train one model "
                                              + "(a rank's device computed otherwise); the last checkpoint is kept")
                    }
                    // The whole batch's carried state goes in the checkpoint: gathered from every rank.
                    let saved = try ranks.map { try gatherState(state, ranks: $0, batch: settings.batch, streams: streams, backend: backend) }
                        ?? state
                    if let validation {
                        try checkSaveable(model, validation: validation, validated: row.valLoss != nil, ceiling: ceiling, step: step)
                        try TrainingCheckpoint.save(model: model, optimizer: optimizer, settings: settings, vocabulary: corpus.vocabulary,
                                                    textName: corpus.name, state: saved, to: checkpointURL)
                    }
                    lastSaved = step
                }
                if evaluate || checkpoint { try history?.save(title: title) }
                if last || stoppedBy != nil { break }
            }
        } catch let divergence as Divergence {
            progress.finish()
            try? history?.save(title: title)
            let kept: String
            if let lastSaved {
                kept = "the last good checkpoint, \(checkpointURL.path) (step \(lastSaved)), is kept"
            } else if checkpointExisted {
                kept = "\(checkpointURL.path) is kept as it was"
            } else {
                kept = "no checkpoint was written"
            }
            throw RNNTrainFailure("training diverged at step \(divergence.step): \(divergence.what); \(kept). "
                                  + "Lower --lr, or clip the gradients with --clip")
        }
        watch.stop()
        progress.finish()
        if let stoppedBy {
            var resume = ["rnn-train", "--text", textPath, "--resume", checkpointURL.path, "--out", directory.path]
            if let target = command.steps { resume += ["--steps", String(target)] }
            if let minutes = command.minutes { resume += ["--minutes", String(minutes)] }
            throw InterruptedRun(signal: stoppedBy, message: "rnn-train: interrupted at step \(step); checkpoint written to "
                                 + "\(checkpointURL.path); resume with: \(Self.shellCommand(resume))")
        }
        let seconds = progress.elapsed
        print(String(format: "trained steps %d-%d in %.1f s (%@ chars/s); checkpoint, history.csv and history.svg in %@",
                     startStep + 1, step, seconds,
                     ProgressBar.compact(Double((step - startStep) * settings.batch * settings.seqLen) / max(seconds, 1e-9)),
                     directory.path))
        if let best {
            print(String(format: "best validation loss %.4f at step %d: best.safetensors", best.loss, best.step))
        }
    }

    /// The whole batch's carried state from every rank's streams, for the checkpoint (every rank
    /// takes part; rank 0 writes it).
    private func gatherState(_ state: RecurrentState?, ranks: TrainingRanks, batch: Int, streams: Range<Int>,
                             backend: any Backend) throws -> RecurrentState? {
        guard let state else { return nil }
        func whole(_ tensor: Tensor) throws -> Tensor {
            let shape = tensor.shape
            let values = try ranks.gather(try backend.array(tensor), batch: batch, width: shape[2], streams: streams)
            return try backend.tensor(values, shape: [shape[0], batch, shape[2]])
        }
        return RecurrentState(h: try whole(state.h), c: try state.c.map(whole))
    }

    /// A short sample from the model at its current parameters for the log, from the vocabulary's
    /// default prompt as `rnn-train sample` without --prompt: --sample-length characters, all the
    /// model's (the prompt is not printed; printing the validation text's first character before
    /// every sample put the same stray character at the start of each), each line of it behind a
    /// bar so that it stands apart from the figures.
    private func sample(_ model: RecurrentModel, corpus: CharCorpus, seed: UInt64) throws -> String {
        var sampler = try Sampler(temperature: 0.8, seed: seed)
        let prompt = [corpus.vocabulary.defaultPromptToken]
        let text = corpus.vocabulary.decode(try model.generate(prompt: prompt, length: command.sampleLength, sampler: &sampler))
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 }.joined(separator: "\n")
    }

    /// A checkpoint is written over the previous one only when its parameters are sound: every one
    /// finite, and a sound loss on validation text (LossCeiling). The step's training loss is not
    /// enough: it was measured before the step's update, which may be the one that blew up.
    private func checkSaveable(_ model: RecurrentModel, validation: ValidationSet, validated: Bool, ceiling: Double, step: Int) throws {
        guard try model.parametersAreFinite() else {
            throw Divergence(step: step, what: "the parameters are no longer finite")
        }
        if !validated {
            try LossCeiling.check(try validation.loss(of: model, limit: 1), ceiling: ceiling, step: step, what: "the validation loss")
        }
    }

    /// The memory the run asks for (the model's training step at --batch x --seq-len, and the
    /// validation windows), refused before anything is allocated when it is beyond the device's
    /// memory or Recur's budget: the sizes may come from a resumed checkpoint's settings.
    static func checkMemory(_ configuration: ModelConfiguration, settings: TrainSettings, validationBatches: Int,
                            validationTokens: Int, backend: any Backend) throws {
        let windowLength = min(settings.seqLen, max(validationTokens - 1, 1))
        let validationBytes = try CheckedSize.product([max(1, validationBatches), settings.batch, windowLength, 2, 4],
                                                      "the validation windows")
        let bytes = try CheckedSize.sum([
            try configuration.memoryEstimate(batch: settings.batch, steps: settings.seqLen, training: true), validationBytes,
        ], "the run's memory")
        try RunMemory.check(bytes, settings: settings, charModel: true, on: backend)
        try Limits.checkMemory(bytes, for: "training \(settings.layers)x\(settings.hidden) at batch \(settings.batch) x \(settings.seqLen)")
    }

    /// A resumed run keeps the checkpoint's model: options that ask for another are named.
    static func checkSameModel(_ configuration: ModelConfiguration, as header: TrainingCheckpoint.Header) throws {
        let saved = header.model
        guard configuration != saved else { return }
        var differences: [String] = []
        if configuration.mode != saved.mode || configuration.layerNorm != saved.layerNorm {
            let asked = TrainCommand.CellChoice(configuration.mode, layerNorm: configuration.layerNorm).rawValue
            let stored = TrainCommand.CellChoice(saved.mode, layerNorm: saved.layerNorm).rawValue
            differences.append("--cell \(asked) (the checkpoint's is \(stored))")
        }
        if configuration.projectionSize != saved.projectionSize {
            differences.append("--proj \(configuration.projectionSize) (the checkpoint's is \(saved.projectionSize))")
        }
        if configuration.zoneout != saved.zoneout {
            differences.append("--zoneout \(configuration.zoneout) (the checkpoint's is \(saved.zoneout))")
        }
        if configuration.cellClip != saved.cellClip {
            differences.append("--cell-clip \(configuration.cellClip) (the checkpoint's is \(saved.cellClip))")
        }
        if configuration.inputSize != saved.inputSize { differences.append("--embedding \(configuration.inputSize) (the checkpoint's is \(saved.inputSize))") }
        if configuration.hiddenSize != saved.hiddenSize { differences.append("--hidden \(configuration.hiddenSize) (the checkpoint's is \(saved.hiddenSize))") }
        if configuration.numLayers != saved.numLayers { differences.append("--layers \(configuration.numLayers) (the checkpoint's is \(saved.numLayers))") }
        if configuration.dropout != saved.dropout { differences.append("--dropout \(configuration.dropout) (the checkpoint's is \(saved.dropout))") }
        if configuration.bidirectional != saved.bidirectional { differences.append("a bidirectional stack") }
        if differences.isEmpty { differences.append("the vocabulary or the head") }
        throw RNNTrainFailure("the checkpoint \(header.path) holds another model than this run asks for: "
                              + differences.joined(separator: ", ") + "; leave these options out to continue its model")
    }

    /// --out, made and checked before any work (OutputPaths), and rid of the temporary files a run
    /// killed while writing there left behind (StaleTemporaries: AtomicFile's only).
    static func outputDirectory(_ path: String) throws -> URL {
        let url = try OutputPaths.directory(path, option: "--out")
        let removed = StaleTemporaries.remove(in: url)
        if !removed.isEmpty {
            Console.error("rnn-train: removed \(removed.count) temporary file\(removed.count == 1 ? "" : "s") that an interrupted "
                          + "run left in \(url.path): \(removed.joined(separator: ", "))")
        }
        return url
    }

    /// `words` as one line a shell runs: words with anything but safe characters single-quoted.
    static func shellCommand(_ words: [String]) -> String {
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=:,+@%"))
        return words.map { word in
            !word.isEmpty && word.unicodeScalars.allSatisfy(safe.contains) ? word
                : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
