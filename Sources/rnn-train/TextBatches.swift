import Recur

/// The char-LM's training batches, as `TrainSettings.batching` cuts them, from a given step on: a
/// resumed run reads from its checkpoint's step what the uninterrupted run reads there.
struct TextBatches {
    private var streams: TruncatedBPTT?
    private var windows: RandomWindows?
    private var step: Int

    /// Whether a batch continues the state of the one before (streams) or starts from zero (windows).
    var carriesState: Bool { streams != nil }

    init(_ settings: TrainSettings, text: [Int32], firstStep: Int) throws {
        step = firstStep
        switch settings.batching ?? .streams {
        case .streams:
            // The text is one document: the streams start at evenly spread offsets in it and read
            // on chunk by chunk, each wrapping to the start (its state reset) at the end, as
            // char-rnn's batching does. `skip` jumps to the step without reading a chunk.
            var streams = try TruncatedBPTT(documents: [text], batch: settings.batch, chunkLength: settings.seqLen)
            streams.skip(firstStep)
            self.streams = streams
        case .windows:
            // The seed's draws are the model's; the windows take their own from it.
            windows = try RandomWindows(tokens: text, batch: settings.batch, length: settings.seqLen,
                                        seed: settings.seed ^ 0x5749_4E44_4F57_5321)
        }
    }

    /// The next step's batch: (T, B) inputs and targets, and the streams to reset.
    mutating func next() -> TruncatedBPTT.Chunk {
        defer { step += 1 }
        if let windows { return windows.chunk(atStep: step) }
        return streams!.next()
    }
}
