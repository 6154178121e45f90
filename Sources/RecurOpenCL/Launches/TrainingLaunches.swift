// Launches of the training kernels: Kernels/embedding.cl (embedding, bias), dropout.cl, loss.cl
// and optimizers.cl. Each struct's stored properties mirror its kernel's signature, in order;
// a `ViewArgument` is the three arguments (pointer, offset, ld). Shapes are in the kernel files.

/// The work-group width of the reduction kernels (losses, sum of squares): a power of two that
/// every OpenCL device accepts, and one local float per work-item.
enum Reduction {
    static let width = 64

    /// Work-items per row of the loss kernels (`SoftmaxCrossEntropyRows`, `MeanSquaredErrorRows`):
    /// `width` on GPUs; 1 on CPU devices, where POCL runs a group's work-items one after the other
    /// and each of the reductions' barrier levels costs a pass over them (the char-LM's 3200 x 65
    /// softmax: 2.36 ms a launch with 64, RECUR_OPENCL_PROFILE).
    static func rowWidth(for kind: Device.Kind) -> Int { kind == .cpu ? 1 : width }
    /// Work-groups of `sum_of_squares_partial`: enough to fill a GPU, and the partials the single
    /// work-group of `sum_of_squares_final` adds; the scratch buffer holds this many floats.
    static let partialGroups = 256
}

// MARK: embedding.cl

/// `gather_rows`: out[r, :] = table[indices[r], :]. Range (E, N).
struct GatherRows: KernelLaunch {
    static let kernel = KernelName.gatherRows

    var table: ViewArgument      // (V, E)
    var indices: Buffer          // (N) Int32
    var out: ViewArgument        // (N, E)
    var rows, cols: Int32        // N, E

    var arguments: [KernelArgument] {
        table.arguments + [.buffer(indices, needs: Int(rows))] + out.arguments + [.int32(rows), .int32(cols)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `scatter_row_links`: links[r] = the next row with the same index (or -1), links[N + r] = 1 for
/// the first row of each index. Range (N).
struct ScatterRowLinks: KernelLaunch {
    static let kernel = KernelName.scatterRowLinks

    var indices: Buffer          // (N) Int32
    var rows: Int32              // N
    var links: Buffer            // (2N) Int32 scratch

    var arguments: [KernelArgument] {
        [.buffer(indices, needs: Int(rows)), .int32(rows), .buffer(links, needs: 2 * Int(rows))]
    }
    var globalSize: [Int] { [Int(rows)] }
}

/// `scatter_add_rows`: table[indices[r], :] += src[r, :] in row order, through the links. Range (E, N).
struct ScatterAddRows: KernelLaunch {
    static let kernel = KernelName.scatterAddRows

    var src: ViewArgument        // (N, E)
    var indices: Buffer          // (N) Int32
    var links: Buffer            // (2N) Int32 from ScatterRowLinks
    var table: ViewArgument      // (V, E)
    var rows, cols: Int32        // N, E

    var arguments: [KernelArgument] {
        src.arguments + [.buffer(indices, needs: Int(rows)), .buffer(links, needs: 2 * Int(rows))]
            + table.arguments + [.int32(rows), .int32(cols)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `add_row_vector`: m[r, :] += vector[0, :]. Range (N, M).
struct AddRowVector: KernelLaunch {
    static let kernel = KernelName.addRowVector

    var vector: ViewArgument     // (1, N)
    var m: ViewArgument          // (M, N)
    var rows, cols: Int32        // M, N

    var arguments: [KernelArgument] { vector.vectorArguments + m.arguments + [.int32(rows), .int32(cols)] }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

// MARK: dropout.cl

/// `dropout_matrix`: dst = keep ? src * scale : 0 with Recur's `DropoutMask`. Range (cols, rows).
struct DropoutMatrix: KernelLaunch {
    static let kernel = KernelName.dropoutMatrix

    var src, dst: ViewArgument
    var rows, cols: Int32
    var seed: UInt32
    /// `DropoutMask.threshold(probability:)`.
    var threshold: UInt32
    /// 1 / (1 - probability).
    var scale: Float

    var arguments: [KernelArgument] {
        // OpenCL C 1.2 `uint` and `int` are passed alike; the kernel reads the bits back with as_uint.
        src.arguments + dst.arguments + [.int32(rows), .int32(cols)]
            + [.int32(Int32(bitPattern: seed)), .int32(Int32(bitPattern: threshold)), .float(scale)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

// MARK: loss.cl

/// `softmax_cross_entropy_rows`: one work-group per row. Range (L * N), local (L).
struct SoftmaxCrossEntropyRows: KernelLaunch {
    static let kernel = KernelName.softmaxCrossEntropyRows

    var logits: ViewArgument     // (N, V)
    var targets: Buffer          // (N) Int32
    var losses: ViewArgument     // (1, N)
    var gradient: ViewArgument   // (N, V)
    var rows, cols: Int32        // N, V
    var scale: Float
    var width = Reduction.width  // work-items per row (`Reduction.rowWidth`)

    var arguments: [KernelArgument] {
        logits.arguments + [.buffer(targets, needs: Int(rows))] + losses.vectorArguments + gradient.arguments
            + [.int32(rows), .int32(cols), .float(scale), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * Int(rows)] }
    var localSize: [Int]? { [width] }
}

/// `mean_squared_error_rows`: one work-group per row. Range (L * N), local (L).
struct MeanSquaredErrorRows: KernelLaunch {
    static let kernel = KernelName.meanSquaredErrorRows

    var predictions: ViewArgument  // (N, C)
    var targets: ViewArgument      // (N, C)
    var losses: ViewArgument       // (1, N)
    var gradient: ViewArgument     // (N, C)
    var rows, cols: Int32          // N, C
    var scale: Float
    var width = Reduction.width  // work-items per row (`Reduction.rowWidth`)

    var arguments: [KernelArgument] {
        predictions.arguments + targets.arguments + losses.vectorArguments + gradient.arguments
            + [.int32(rows), .int32(cols), .float(scale), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * Int(rows)] }
    var localSize: [Int]? { [width] }
}

/// `binary_cross_entropy_logits_rows`: one work-group per row. Range (L * N), local (L).
struct BinaryCrossEntropyLogitsRows: KernelLaunch {
    static let kernel = KernelName.binaryCrossEntropyLogitsRows

    var logits: ViewArgument       // (N, C)
    var targets: ViewArgument      // (N, C)
    var losses: ViewArgument       // (1, N)
    var gradient: ViewArgument     // (N, C)
    var rows, cols: Int32          // N, C
    var scale: Float
    var width = Reduction.width  // work-items per row (`Reduction.rowWidth`)

    var arguments: [KernelArgument] {
        logits.arguments + targets.arguments + losses.vectorArguments + gradient.arguments
            + [.int32(rows), .int32(cols), .float(scale), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * Int(rows)] }
    var localSize: [Int]? { [width] }
}

// MARK: optimizers.cl

/// `sum_of_squares_partial`: partial sums of squares of a view, one per work-group.
/// Range (L * groups), local (L).
struct SumOfSquaresPartial: KernelLaunch {
    static let kernel = KernelName.sumOfSquaresPartial

    var x: ViewArgument          // (rows, cols)
    var rows, cols: Int32
    var partials: Buffer         // (groups)
    var groups: Int
    var width = Reduction.width  // work-items per group (`OpenCLBackend.reductionWidth`)

    var arguments: [KernelArgument] {
        x.arguments + [.int32(rows), .int32(cols), .buffer(partials, needs: groups), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * groups] }
    var localSize: [Int]? { [width] }

    /// Enough groups of `width` for `count` elements, at most `Reduction.partialGroups`.
    static func groups(for count: Int, width: Int = Reduction.width) -> Int {
        max(1, min(Reduction.partialGroups, (count + width - 1) / width))
    }
}

/// `sum_of_squares_final`: dst = (accumulate ? dst : 0) + sum of the partials. One work-group.
struct SumOfSquaresFinal: KernelLaunch {
    static let kernel = KernelName.sumOfSquaresFinal

    var partials: Buffer
    var count: Int32
    var dst: ViewArgument        // (1, 1)
    var accumulate: Int32
    var width = Reduction.width  // work-items of the one group (`OpenCLBackend.reductionWidth`)

    var arguments: [KernelArgument] {
        [.buffer(partials, needs: Int(count)), .int32(count)] + dst.vectorArguments
            + [.int32(accumulate), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width] }
    var localSize: [Int]? { [width] }
}

/// `scale_by_clip_factor`: x *= min(1, maxNorm / (sqrt(squaredNorm) + 1e-6)). Range (cols, rows).
struct ScaleByClipFactor: KernelLaunch {
    static let kernel = KernelName.scaleByClipFactor

    var x: ViewArgument
    var rows, cols: Int32
    var squaredNorm: ViewArgument  // (1, 1)
    var maxNorm: Float

    var arguments: [KernelArgument] {
        x.arguments + [.int32(rows), .int32(cols)] + squaredNorm.vectorArguments + [.float(maxNorm)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `zoneout_rows`: one step of zoneout. Range (N, B).
struct ZoneoutRows: KernelLaunch {
    static let kernel = KernelName.zoneoutRows

    var previous, next: ViewArgument  // (B, N)
    var output: ViewArgument          // (B, N), or a stand-in when hasOutput is 0
    var hasOutput: Int32
    var batch, cols: Int32
    var probability: Float
    var seed: UInt32
    /// `DropoutMask.threshold(probability:)`.
    var threshold: UInt32
    var training: Int32
    var lengths: LengthsArgument
    var time: Int32

    var arguments: [KernelArgument] {
        previous.arguments + next.arguments + output.arguments + [.int32(hasOutput), .int32(batch), .int32(cols)]
            + [.float(probability), .int32(Int32(bitPattern: seed)), .int32(Int32(bitPattern: threshold)), .int32(training)]
            + lengths.arguments + [.int32(time)]
    }
    var globalSize: [Int] { [Int(cols), Int(batch)] }
}

/// `zoneout_backward_rows`: its backward. Range (N, B).
struct ZoneoutBackwardRows: KernelLaunch {
    static let kernel = KernelName.zoneoutBackwardRows

    var gradient: ViewArgument        // (B, N)
    var outputGradient: ViewArgument  // (B, N), or a stand-in when hasOutput is 0
    var hasOutput: Int32
    var carry: ViewArgument           // (B, N)
    var batch, cols: Int32
    var seed: UInt32
    var threshold: UInt32
    var lengths: LengthsArgument
    var time: Int32

    var arguments: [KernelArgument] {
        gradient.arguments + outputGradient.arguments + [.int32(hasOutput)] + carry.arguments + [.int32(batch), .int32(cols)]
            + [.int32(Int32(bitPattern: seed)), .int32(Int32(bitPattern: threshold))] + lengths.arguments + [.int32(time)]
    }
    var globalSize: [Int] { [Int(cols), Int(batch)] }
}

/// `clamp_elements`: clip_grad_value_ over a view. Range (cols, rows).
struct ClampElements: KernelLaunch {
    static let kernel = KernelName.clampElements

    var x: ViewArgument
    var rows, cols: Int32
    var limit: Float

    var arguments: [KernelArgument] { x.arguments + [.int32(rows), .int32(cols), .float(limit)] }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `sgd_update`: one SGD step (momentum, dampening, Nesterov, weight decay). Range (cols, rows).
struct SGDUpdate: KernelLaunch {
    static let kernel = KernelName.sgdUpdate

    var parameters, gradients: ViewArgument
    var momentumBuffer: ViewArgument   // the backend's stand-in when hasMomentum is 0
    var hasMomentum, firstStep: Int32
    var rows, cols: Int32
    var learningRate, weightDecay, momentum, dampening: Float
    var nesterov: Int32

    var arguments: [KernelArgument] {
        parameters.arguments + gradients.arguments + momentumBuffer.arguments
            + [.int32(hasMomentum), .int32(firstStep), .int32(rows), .int32(cols)]
            + [.float(learningRate), .float(weightDecay), .float(momentum), .float(dampening), .int32(nesterov)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `adam_update`: one Adam / AdamW step with host-computed bias corrections. Range (cols, rows).
struct AdamUpdate: KernelLaunch {
    static let kernel = KernelName.adamUpdate

    var parameters, gradients, firstMoment, secondMoment: ViewArgument
    var rows, cols: Int32
    var learningRate, weightDecay, beta1, beta2, epsilon: Float
    /// lr / (1 - beta1^t).
    var stepSize: Float
    /// sqrt(1 - beta2^t).
    var correction2: Float
    var decoupled: Int32

    var arguments: [KernelArgument] {
        parameters.arguments + gradients.arguments + firstMoment.arguments + secondMoment.arguments
            + [.int32(rows), .int32(cols)]
            + [.float(learningRate), .float(weightDecay), .float(beta1), .float(beta2), .float(epsilon)]
            + [.float(stepSize), .float(correction2), .int32(decoupled)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `rmsprop_update`: one RMSprop step (momentum, centered, weight decay). Range (cols, rows).
struct RMSpropUpdate: KernelLaunch {
    static let kernel = KernelName.rmspropUpdate

    var parameters, gradients, squareAverage: ViewArgument
    var momentumBuffer: ViewArgument   // the backend's stand-in when hasMomentum is 0
    var gradientAverage: ViewArgument  // the backend's stand-in when centered is 0
    var hasMomentum, centered: Int32
    var rows, cols: Int32
    var learningRate, weightDecay, alpha, epsilon, momentum: Float

    var arguments: [KernelArgument] {
        parameters.arguments + gradients.arguments + squareAverage.arguments + momentumBuffer.arguments
            + gradientAverage.arguments + [.int32(hasMomentum), .int32(centered), .int32(rows), .int32(cols)]
            + [.float(learningRate), .float(weightDecay), .float(alpha), .float(epsilon), .float(momentum)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `adagrad_update`: one Adagrad step with the host-computed decayed rate. Range (cols, rows).
struct AdagradUpdate: KernelLaunch {
    static let kernel = KernelName.adagradUpdate

    var parameters, gradients, sumOfSquares: ViewArgument
    var rows, cols: Int32
    /// lr / (1 + (t - 1) * lr_decay).
    var rate: Float
    var weightDecay, epsilon: Float

    var arguments: [KernelArgument] {
        parameters.arguments + gradients.arguments + sumOfSquares.arguments + [.int32(rows), .int32(cols)]
            + [.float(rate), .float(weightDecay), .float(epsilon)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}
