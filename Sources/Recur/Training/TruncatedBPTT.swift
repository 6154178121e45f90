/// Truncated backpropagation through time over long token sequences: B streams read their documents
/// in chunks of `chunkLength` steps; the state is carried from chunk to chunk without gradient, and
/// reset for a stream when it starts a new document (a document boundary).
///
/// Stream b starts in document b mod D at an offset spread over it, so the streams see different
/// text. A chunk that reaches the end of a document is padded with ignored targets (-1); the
/// stream then moves to its next document and its state row is reset before the next chunk.
public struct TruncatedBPTT {
    /// One chunk of every stream: T = `chunkLength` steps of B = `batch` streams.
    public struct Chunk {
        /// (T, B) time-major input tokens and next-token targets (-1 where padded).
        public let inputs: [Int32]
        /// (T, B) time-major next-token targets, -1 where padded.
        public let targets: [Int32]
        /// Streams whose state must be reset (zeroed) before this chunk: they start a document.
        public let resetStreams: [Int]
    }

    /// The documents read: those given with at least 2 tokens.
    public let documents: [[Int32]]
    /// B: the streams read side by side.
    public let batch: Int
    /// T: the steps of each chunk.
    public let chunkLength: Int
    private var document: [Int]
    private var position: [Int]
    private var needsReset: [Bool]

    /// Throws when no document has 2 tokens, or when batch or chunk length is below 1.
    public init(documents: [[Int32]], batch: Int, chunkLength: Int) throws {
        let usable = documents.filter { $0.count >= 2 }
        guard !usable.isEmpty else {
            throw RecurError.invalidValue("truncated BPTT needs a document of at least 2 tokens")
        }
        guard batch >= 1, chunkLength >= 1 else {
            throw RecurError.invalidConfiguration("batch and chunk length must be at least 1, got \(batch) and \(chunkLength)")
        }
        self.documents = usable
        self.batch = batch
        self.chunkLength = chunkLength
        document = (0..<batch).map { $0 % usable.count }
        // Streams sharing a document start at evenly spread offsets.
        let perDocument = (batch + usable.count - 1) / usable.count
        position = (0..<batch).map { b in
            let doc = usable[b % usable.count]
            return (b / usable.count) * (doc.count - 1) / perDocument
        }
        needsReset = [Bool](repeating: true, count: batch)
    }

    /// Moves every stream on by `chunks` chunks, as that many `next()` calls would, without copying a
    /// token: a resumed run replays its stream to the checkpoint's step, and a step read from a file
    /// may be large. Each stream jumps a document at a time and wraps whole cycles through all
    /// documents at once, so the cost is independent of `chunks`.
    public mutating func skip(_ chunks: Int) {
        guard chunks > 0 else { return }
        // Chunks a stream takes from the start of document d to its end.
        let perDocument = documents.map { ($0.count - 1 + chunkLength - 1) / chunkLength }
        let cycle = perDocument.reduce(0, +)
        for b in 0..<batch {
            var remaining = chunks
            let toEnd = (documents[document[b]].count - 1 - position[b] + chunkLength - 1) / chunkLength
            if remaining < toEnd {
                position[b] += remaining * chunkLength
                needsReset[b] = false
                continue
            }
            remaining -= toEnd
            document[b] = (document[b] + 1) % documents.count
            position[b] = 0
            needsReset[b] = true
            remaining %= cycle
            while remaining >= perDocument[document[b]] {
                remaining -= perDocument[document[b]]
                document[b] = (document[b] + 1) % documents.count
            }
            if remaining > 0 {
                position[b] = remaining * chunkLength
                needsReset[b] = false
            }
        }
    }

    /// The next chunk of every stream.
    public mutating func next() -> Chunk {
        var inputs = [Int32](repeating: 0, count: chunkLength * batch)
        var targets = [Int32](repeating: -1, count: chunkLength * batch)
        let resets = (0..<batch).filter { needsReset[$0] }
        for b in 0..<batch {
            needsReset[b] = false
            let tokens = documents[document[b]]
            let start = position[b]
            let steps = min(chunkLength, tokens.count - 1 - start)
            for t in 0..<steps {
                inputs[t * batch + b] = tokens[start + t]
                targets[t * batch + b] = tokens[start + t + 1]
            }
            position[b] += steps
            if position[b] >= tokens.count - 1 {
                // End of the document: the next chunk starts the stream's next document afresh.
                document[b] = (document[b] + 1) % documents.count
                position[b] = 0
                needsReset[b] = true
            }
        }
        return Chunk(inputs: inputs, targets: targets, resetStreams: resets)
    }
}

extension RecurrentState {
    /// Zeroes the state of the given batch rows (streams starting a new document).
    public func reset(streams: [Int], backend: any Backend) throws {
        guard !streams.isEmpty else { return }
        for tensor in [h] + (c.map { [$0] } ?? []) {
            // c is wider than h in a projected LSTM: each tensor's own width.
            let rows = tensor.shape[0], batch = tensor.shape[1], width = tensor.shape[2]
            for row in 0..<rows {
                for stream in streams {
                    try backend.fill(Matrix(tensor.buffer, offset: (row * batch + stream) * width, rows: 1, cols: width), value: 0)
                }
            }
        }
    }
}
