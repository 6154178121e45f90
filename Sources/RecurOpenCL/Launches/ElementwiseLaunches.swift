// Launches of Kernels/elementwise.cl. Each struct's stored properties mirror its kernel's
// signature, in order (OpenCL `int` is Int32 here); `arguments` lists them in that order.
//
// A view is (buffer, offset, rows, cols, ld): element (r, c) at offset + r * ld + c. 2-D kernels
// run on a (cols, rows) range so that neighbouring work-items touch neighbouring addresses.

/// dst = value over a view.
struct FillMatrix: KernelLaunch {
    static let kernel = KernelName.fillMatrix

    var dst: Buffer
    var off: Int32
    var rows: Int32
    var cols: Int32
    var ld: Int32
    var value: Float

    var arguments: [KernelArgument] {
        [.view(dst, offset: off, rows: rows, cols: cols, ld: ld), .int32(off), .int32(rows), .int32(cols), .int32(ld), .float(value)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// `carry_past_length`: dst = src in the rows whose sequence has ended at `time`. Range (cols, rows).
struct CarryPastLength: KernelLaunch {
    static let kernel = KernelName.carryPastLength

    var src, dst: ViewArgument
    var rows, cols: Int32
    var lengths: Buffer
    var time: Int32

    var arguments: [KernelArgument] {
        src.arguments + dst.arguments + [.int32(rows), .int32(cols), .buffer(lengths, needs: Int(rows)), .int32(time)]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// dst = src between two views of the same shape.
struct CopyMatrix: KernelLaunch {
    static let kernel = KernelName.copyMatrix

    var src: Buffer
    var srcOff: Int32
    var srcLd: Int32
    var dst: Buffer
    var dstOff: Int32
    var dstLd: Int32
    var rows: Int32
    var cols: Int32

    var arguments: [KernelArgument] {
        [
            .view(src, offset: srcOff, rows: rows, cols: cols, ld: srcLd), .int32(srcOff), .int32(srcLd),
            .view(dst, offset: dstOff, rows: rows, cols: cols, ld: dstLd), .int32(dstOff), .int32(dstLd),
            .int32(rows), .int32(cols),
        ]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// y += alpha * x between two views of the same shape.
struct AxpyMatrix: KernelLaunch {
    static let kernel = KernelName.axpyMatrix

    var alpha: Float
    var x: Buffer
    var xOff: Int32
    var xLd: Int32
    var y: Buffer
    var yOff: Int32
    var yLd: Int32
    var rows: Int32
    var cols: Int32

    var arguments: [KernelArgument] {
        [
            .float(alpha),
            .view(x, offset: xOff, rows: rows, cols: cols, ld: xLd), .int32(xOff), .int32(xLd),
            .view(y, offset: yOff, rows: rows, cols: cols, ld: yLd), .int32(yOff), .int32(yLd),
            .int32(rows), .int32(cols),
        ]
    }
    var globalSize: [Int] { [Int(cols), Int(rows)] }
}

/// partials[chunk, c] = the sum of src[r, c] over the chunk's rows (`chunkRows` of them; the last
/// chunk may have fewer): the first pass of a tall matrix's column sums, `SumRows` of the partials
/// the second.
struct SumRowChunks: KernelLaunch {
    static let kernel = KernelName.sumRowChunks

    var src: Buffer
    var off: Int32
    var rows: Int32
    var cols: Int32
    var ld: Int32
    var chunkRows: Int32
    var partials: Buffer

    private var chunks: Int { (Int(rows) + Int(chunkRows) - 1) / Int(chunkRows) }

    var arguments: [KernelArgument] {
        [
            .view(src, offset: off, rows: rows, cols: cols, ld: ld), .int32(off), .int32(rows), .int32(cols), .int32(ld),
            .int32(chunkRows), .view(partials, offset: 0, rows: Int32(chunks), cols: cols, ld: cols),
        ]
    }
    /// One work-item per 16 columns and chunk of rows (see the kernel).
    var globalSize: [Int] { [(Int(cols) + 15) / 16, chunks] }
    var cpuGroups: Bool { true }
}

/// dst[c] = (accumulate ? dst[c] : 0) + sum over rows of src[r, c]; one work-item per 16 columns.
struct SumRows: KernelLaunch {
    static let kernel = KernelName.sumRows

    var src: Buffer
    var off: Int32
    var rows: Int32
    var cols: Int32
    var ld: Int32
    var dst: Buffer
    var dstOff: Int32
    /// 0 or 1 (OpenCL C 1.2 kernels take no `bool` arguments).
    var accumulate: Int32

    var arguments: [KernelArgument] {
        [
            .view(src, offset: off, rows: rows, cols: cols, ld: ld), .int32(off), .int32(rows), .int32(cols), .int32(ld),
            .view(dst, offset: dstOff, rows: 1, cols: cols, ld: cols), .int32(dstOff), .int32(accumulate),
        ]
    }
    /// One work-item per 16 columns (see the kernel).
    var globalSize: [Int] { [(Int(cols) + 15) / 16] }
}

/// `clip_cell_state`: cuDNN's cell clipping after an LSTM step. Range (H, B).
struct ClipCellState: KernelLaunch {
    static let kernel = KernelName.clipCellState

    var c, h, output, saved: ViewArgument
    var batch, hidden: Int32
    var clip: Float
    var lengths: LengthsArgument
    var time: Int32

    var arguments: [KernelArgument] {
        c.arguments + h.arguments + output.arguments + saved.arguments + [.int32(batch), .int32(hidden), .float(clip)]
            + lengths.arguments + [.int32(time)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
}

/// `clip_cell_state_backward`: no gradient where c was clamped. Range (H, B).
struct ClipCellStateBackward: KernelLaunch {
    static let kernel = KernelName.clipCellStateBackward

    var saved, dGates, dcPrev: ViewArgument
    var batch, hidden: Int32
    var clip: Float
    var lengths: LengthsArgument
    var time: Int32

    var arguments: [KernelArgument] {
        saved.arguments + dGates.arguments + dcPrev.arguments + [.int32(batch), .int32(hidden), .float(clip)]
            + lengths.arguments + [.int32(time)]
    }
    var globalSize: [Int] { [Int(hidden), Int(batch)] }
}
