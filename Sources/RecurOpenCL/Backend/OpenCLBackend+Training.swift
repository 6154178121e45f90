#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Recur

/// The training layers, losses and optimizers (Backend's "Training layers, losses and optimizers"):
/// each one or two kernel launches on the queue, none waiting for the device. Every buffer an
/// operation writes is dropped from the GEMM pack cache first.
extension OpenCLBackend {
    // MARK: Layers

    /// `Backend.gatherRows`: one kernel launch.
    public func gatherRows(_ table: Matrix, indices: any DeviceBuffer, into out: Matrix) throws {
        precondition(table.cols == out.cols, "gatherRows between rows of different widths")
        let indices = try indexBuffer(indices)
        let out = ViewArgument(out)
        packCache.invalidate(out.buffer)
        try queue.enqueue(GatherRows(
            table: ViewArgument(table), indices: indices, out: out, rows: Int32(out.rows), cols: Int32(out.cols)))
    }

    /// `Backend.scatterAddRows`: two launches, one chaining each index's rows and one adding them in row order, so
    /// repeated indices add up deterministically.
    public func scatterAddRows(_ src: Matrix, indices: any DeviceBuffer, into table: Matrix) throws {
        precondition(table.cols == src.cols, "scatterAddRows between rows of different widths")
        let indices = try indexBuffer(indices)
        let target = ViewArgument(table)
        packCache.invalidate(target.buffer)
        guard src.rows > 0, src.cols > 0 else { return }
        let rows = Int32(src.rows)
        // Pass 1 chains the rows of each index (once per call); pass 2 adds them in row order.
        let links = try scratchBuffer(.scatterLinks, count: 2 * src.rows)
        try queue.enqueue(ScatterRowLinks(indices: indices, rows: rows, links: links))
        try queue.enqueue(ScatterAddRows(
            src: ViewArgument(src), indices: indices, links: links, table: target, rows: rows, cols: Int32(src.cols)))
    }

    /// `Backend.addRowVector`: one kernel launch.
    public func addRowVector(_ vector: Matrix, to m: Matrix) throws {
        precondition(vector.rows == 1 && vector.cols == m.cols, "addRowVector of a vector of the wrong width")
        let target = ViewArgument(m)
        packCache.invalidate(target.buffer)
        try queue.enqueue(AddRowVector(vector: ViewArgument(vector), m: target, rows: Int32(m.rows), cols: Int32(m.cols)))
    }

    /// `Backend.dropout`: one launch; the kernel draws `DropoutMask`'s mask against the threshold computed on the host.
    public func dropout(_ src: Matrix, into dst: Matrix, probability: Float, seed: UInt32) throws {
        precondition(src.rows == dst.rows && src.cols == dst.cols, "dropout between views of different shapes")
        let target = ViewArgument(dst)
        packCache.invalidate(target.buffer)
        try queue.enqueue(DropoutMatrix(
            src: ViewArgument(src), dst: target, rows: Int32(src.rows), cols: Int32(src.cols), seed: seed,
            threshold: DropoutMask.threshold(probability: probability), scale: 1 / (1 - probability)))
    }

    /// The work-items of a reduction kernel's group (its kernel halves a power of two): `wanted`,
    /// halved until the compiled kernel takes it. llvmpipe's kernels take at most 32 work-items
    /// (CL_KERNEL_WORK_GROUP_SIZE) where the device allows 1024.
    func reductionWidth(_ name: KernelName, wanted: Int, defines: [String: String] = [:]) throws -> Int {
        let limit = try queue.kernel(name, defines: defines).limits.maxWorkGroupSize
        var width = wanted
        while width > limit && width > 1 { width /= 2 }
        return width
    }

    // MARK: Losses

    /// `Backend.softmaxCrossEntropy`: one launch, a work-group per row of up to `lossRowWidth` work-items.
    public func softmaxCrossEntropy(_ logits: Matrix, targets: any DeviceBuffer, losses: Matrix, gradient: Matrix, scale: Float) throws {
        precondition(gradient.rows == logits.rows && gradient.cols == logits.cols, "softmaxCrossEntropy gradient of the wrong shape")
        precondition(losses.rows == 1 && losses.cols == logits.rows, "softmaxCrossEntropy losses of the wrong shape")
        let targets = try indexBuffer(targets)
        let lossView = ViewArgument(losses), gradientView = ViewArgument(gradient)
        packCache.invalidate(lossView.buffer)
        packCache.invalidate(gradientView.buffer)
        try queue.enqueue(SoftmaxCrossEntropyRows(
            logits: ViewArgument(logits), targets: targets, losses: lossView, gradient: gradientView,
            rows: Int32(logits.rows), cols: Int32(logits.cols), scale: scale,
            width: try reductionWidth(.softmaxCrossEntropyRows, wanted: lossRowWidth)))
    }

    /// `Backend.meanSquaredError`: one launch, a work-group per row of up to `lossRowWidth` work-items.
    public func meanSquaredError(_ predictions: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix, scale: Float) throws {
        precondition(targets.rows == predictions.rows && targets.cols == predictions.cols
                     && gradient.rows == predictions.rows && gradient.cols == predictions.cols,
                     "meanSquaredError between views of different shapes")
        precondition(losses.rows == 1 && losses.cols == predictions.rows, "meanSquaredError losses of the wrong shape")
        let lossView = ViewArgument(losses), gradientView = ViewArgument(gradient)
        packCache.invalidate(lossView.buffer)
        packCache.invalidate(gradientView.buffer)
        try queue.enqueue(MeanSquaredErrorRows(
            predictions: ViewArgument(predictions), targets: ViewArgument(targets), losses: lossView,
            gradient: gradientView, rows: Int32(predictions.rows), cols: Int32(predictions.cols), scale: scale,
            width: try reductionWidth(.meanSquaredErrorRows, wanted: lossRowWidth)))
    }

    /// `Backend.binaryCrossEntropyWithLogits`: one launch, a work-group per row of up to `lossRowWidth` work-items.
    public func binaryCrossEntropyWithLogits(_ logits: Matrix, targets: Matrix, losses: Matrix, gradient: Matrix,
                                             scale: Float) throws {
        precondition(targets.rows == logits.rows && targets.cols == logits.cols
                     && gradient.rows == logits.rows && gradient.cols == logits.cols,
                     "binaryCrossEntropyWithLogits between views of different shapes")
        precondition(losses.rows == 1 && losses.cols == logits.rows, "binaryCrossEntropyWithLogits losses of the wrong shape")
        let lossView = ViewArgument(losses), gradientView = ViewArgument(gradient)
        packCache.invalidate(lossView.buffer)
        packCache.invalidate(gradientView.buffer)
        try queue.enqueue(BinaryCrossEntropyLogitsRows(
            logits: ViewArgument(logits), targets: ViewArgument(targets), losses: lossView,
            gradient: gradientView, rows: Int32(logits.rows), cols: Int32(logits.cols), scale: scale,
            width: try reductionWidth(.binaryCrossEntropyLogitsRows, wanted: lossRowWidth)))
    }

    // MARK: Norms, clipping, optimizers

    /// `Backend.sumOfSquares`: two launches, partial sums per work-group into scratch, then one work-group adding them.
    public func sumOfSquares(_ x: Matrix, into dst: Matrix, accumulate: Bool) throws {
        precondition(dst.rows == 1 && dst.cols == 1, "sumOfSquares into a view that is not 1 x 1")
        let target = ViewArgument(dst)
        packCache.invalidate(target.buffer)
        // Work-groups write partial sums to scratch; one work-group adds them (and the old value).
        let partialWidth = try reductionWidth(.sumOfSquaresPartial, wanted: Reduction.width)
        let groups = SumOfSquaresPartial.groups(for: x.rows * x.cols, width: partialWidth)
        let partials = try scratchBuffer(.partialSums, count: Reduction.partialGroups)
        try queue.enqueue(SumOfSquaresPartial(
            x: ViewArgument(x), rows: Int32(x.rows), cols: Int32(x.cols), partials: partials, groups: groups,
            width: partialWidth))
        try queue.enqueue(SumOfSquaresFinal(
            partials: partials, count: Int32(groups), dst: target, accumulate: accumulate ? 1 : 0,
            width: try reductionWidth(.sumOfSquaresFinal, wanted: Reduction.width)))
    }

    /// `Backend.scaleByClipFactor`: one launch, which reads the squared norm on the device.
    public func scaleByClipFactor(_ x: Matrix, squaredNorm: Matrix, maxNorm: Float) throws {
        precondition(squaredNorm.rows == 1 && squaredNorm.cols == 1, "scaleByClipFactor with a norm view that is not 1 x 1")
        let target = ViewArgument(x)
        packCache.invalidate(target.buffer)
        try queue.enqueue(ScaleByClipFactor(
            x: target, rows: Int32(x.rows), cols: Int32(x.cols), squaredNorm: ViewArgument(squaredNorm), maxNorm: maxNorm))
    }

    /// `Backend.clampElements`: one kernel launch.
    public func clampElements(_ x: Matrix, limit: Float) throws {
        let target = ViewArgument(x)
        packCache.invalidate(target.buffer)
        try queue.enqueue(ClampElements(x: target, rows: Int32(x.rows), cols: Int32(x.cols), limit: limit))
    }

    /// `Backend.clipCellState`: `clip_cell_state`.
    public func clipCellState(_ cNext: Matrix, hNext: Matrix, output: Matrix, saved: Matrix, clip: Float, time: Int,
                              lengths: (any DeviceBuffer)?) throws {
        for written in [cNext, hNext, output, saved] { packCache.invalidate(ViewArgument(written).buffer) }
        try queue.enqueue(ClipCellState(
            c: ViewArgument(cNext), h: ViewArgument(hNext), output: ViewArgument(output), saved: ViewArgument(saved),
            batch: Int32(cNext.rows), hidden: Int32(cNext.cols), clip: clip,
            lengths: LengthsArgument(lengths, batch: cNext.rows, dummy: dummy), time: Int32(time)))
    }

    /// `Backend.clipCellStateBackward`: `clip_cell_state_backward`.
    public func clipCellStateBackward(_ saved: Matrix, dGates: Matrix, dcPrev: Matrix, clip: Float, time: Int,
                                      lengths: (any DeviceBuffer)?) throws {
        for written in [dGates, dcPrev] { packCache.invalidate(ViewArgument(written).buffer) }
        try queue.enqueue(ClipCellStateBackward(
            saved: ViewArgument(saved), dGates: ViewArgument(dGates), dcPrev: ViewArgument(dcPrev), batch: Int32(dcPrev.rows),
            hidden: Int32(dcPrev.cols), clip: clip, lengths: LengthsArgument(lengths, batch: dcPrev.rows, dummy: dummy),
            time: Int32(time)))
    }

    /// `Backend.zoneout`: `zoneout_rows`.
    public func zoneout(_ previous: Matrix, _ next: Matrix, output: Matrix?, probability: Float, seed: UInt32,
                        training: Bool, time: Int, lengths: (any DeviceBuffer)?) throws {
        precondition(previous.rows == next.rows && previous.cols == next.cols, "zoneout between views of different shapes")
        for written in [next] + [output].compactMap({ $0 }) { packCache.invalidate(ViewArgument(written).buffer) }
        try queue.enqueue(ZoneoutRows(
            previous: ViewArgument(previous), next: ViewArgument(next), output: output.map(ViewArgument.init) ?? ViewArgument(absent: dummy),
            hasOutput: output == nil ? 0 : 1, batch: Int32(next.rows), cols: Int32(next.cols), probability: probability,
            seed: seed, threshold: DropoutMask.threshold(probability: probability), training: training ? 1 : 0,
            lengths: LengthsArgument(lengths, batch: next.rows, dummy: dummy), time: Int32(time)))
    }

    /// `Backend.zoneoutBackward`: `zoneout_backward_rows`.
    public func zoneoutBackward(_ gradient: Matrix, outputGradient: Matrix?, carry: Matrix, probability: Float, seed: UInt32,
                                time: Int, lengths: (any DeviceBuffer)?) throws {
        precondition(carry.rows == gradient.rows && carry.cols == gradient.cols, "zoneoutBackward between views of different shapes")
        for written in [gradient, carry] { packCache.invalidate(ViewArgument(written).buffer) }
        try queue.enqueue(ZoneoutBackwardRows(
            gradient: ViewArgument(gradient), outputGradient: outputGradient.map(ViewArgument.init) ?? ViewArgument(absent: dummy),
            hasOutput: outputGradient == nil ? 0 : 1, carry: ViewArgument(carry), batch: Int32(gradient.rows),
            cols: Int32(gradient.cols), seed: seed, threshold: DropoutMask.threshold(probability: probability),
            lengths: LengthsArgument(lengths, batch: gradient.rows, dummy: dummy), time: Int32(time)))
    }

    /// `Backend.optimizerStep`: one launch of the rule's kernel; Adam's bias corrections and Adagrad's rate are
    /// computed on the host, as the CPU reference computes them.
    public func optimizerStep(_ s: OptimizerStep) throws {
        let p = s.parameters, g = s.gradients
        precondition(g.rows == p.rows && g.cols == p.cols, "optimizerStep gradients of the wrong shape")
        for state in [s.state1, s.state2, s.state3].compactMap({ $0 }) {
            precondition(state.rows == p.rows && state.cols == p.cols, "optimizerStep state of the wrong shape")
        }
        let parameters = ViewArgument(p)
        packCache.invalidate(parameters.buffer)
        switch s.rule {
        case let .sgd(momentum, dampening, nesterov):
            let hasMomentum = s.state1 != nil && momentum != 0
            let buffer = hasMomentum ? s.state1.argument(or: dummy) : ViewArgument(absent: dummy)
            if hasMomentum { packCache.invalidate(buffer.buffer) }
            try queue.enqueue(SGDUpdate(
                parameters: parameters, gradients: ViewArgument(g), momentumBuffer: buffer,
                hasMomentum: hasMomentum ? 1 : 0, firstStep: s.step == 1 ? 1 : 0,
                rows: Int32(p.rows), cols: Int32(p.cols), learningRate: s.learningRate, weightDecay: s.weightDecay,
                momentum: momentum, dampening: dampening, nesterov: nesterov ? 1 : 0))
        case let .adam(beta1, beta2, epsilon, decoupled):
            guard let m = s.state1, let v = s.state2 else {
                preconditionFailure("Adam needs both moments (state1 and state2)")
            }
            let first = ViewArgument(m), second = ViewArgument(v)
            packCache.invalidate(first.buffer)
            packCache.invalidate(second.buffer)
            // The bias corrections, computed once on the host exactly as the CPU reference does.
            let t = Float(s.step)
            let stepSize = s.learningRate / (1 - powf(beta1, t))
            let correction2 = (1 - powf(beta2, t)).squareRoot()
            try queue.enqueue(AdamUpdate(
                parameters: parameters, gradients: ViewArgument(g), firstMoment: first, secondMoment: second,
                rows: Int32(p.rows), cols: Int32(p.cols), learningRate: s.learningRate, weightDecay: s.weightDecay,
                beta1: beta1, beta2: beta2, epsilon: epsilon, stepSize: stepSize, correction2: correction2,
                decoupled: decoupled ? 1 : 0))
        case let .rmsprop(alpha, epsilon, momentum, centered):
            guard let square = s.state1 else { preconditionFailure("RMSprop needs its average of squares (state1)") }
            let hasMomentum = momentum > 0, buffer = hasMomentum ? s.state2 : nil, average = centered ? s.state3 : nil
            precondition(hasMomentum == (buffer != nil) && centered == (average != nil), "RMSprop's state")
            let squareAverage = ViewArgument(square)
            let momentumBuffer = buffer.map(ViewArgument.init) ?? ViewArgument(absent: dummy)
            let gradientAverage = average.map(ViewArgument.init) ?? ViewArgument(absent: dummy)
            for state in [squareAverage, momentumBuffer, gradientAverage] { packCache.invalidate(state.buffer) }
            try queue.enqueue(RMSpropUpdate(
                parameters: parameters, gradients: ViewArgument(g), squareAverage: squareAverage,
                momentumBuffer: momentumBuffer, gradientAverage: gradientAverage,
                hasMomentum: hasMomentum ? 1 : 0, centered: centered ? 1 : 0, rows: Int32(p.rows), cols: Int32(p.cols),
                learningRate: s.learningRate, weightDecay: s.weightDecay, alpha: alpha, epsilon: epsilon, momentum: momentum))
        case let .adagrad(_, epsilon):
            guard let sum = s.state1 else { preconditionFailure("Adagrad needs its sum of squares (state1)") }
            let sumOfSquares = ViewArgument(sum)
            packCache.invalidate(sumOfSquares.buffer)
            try queue.enqueue(AdagradUpdate(
                parameters: parameters, gradients: ViewArgument(g), sumOfSquares: sumOfSquares,
                rows: Int32(p.rows), cols: Int32(p.cols), rate: s.adagradLearningRate, weightDecay: s.weightDecay,
                epsilon: epsilon))
        }
    }

    // MARK: Helpers

    /// An Int32 buffer (indices, targets) of this backend.
    private func indexBuffer(_ buffer: any DeviceBuffer) throws -> Buffer {
        guard let buffer = buffer as? Buffer, buffer.context === context else {
            throw RecurError.foreignTensor("an index buffer of another backend or device")
        }
        return buffer
    }
}
