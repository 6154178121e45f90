import Recur

/// A row-major view as the kernels take it: (pointer, element offset, leading dimension), three
/// kernel arguments. The rows and columns only size the check that the buffer is large enough.
struct ViewArgument {
    let buffer: Buffer
    let offset: Int32
    let ld: Int32
    let rows: Int
    let cols: Int

    /// A view of an OpenCL buffer. The backend checked ownership at the API edge (`owns`), so a
    /// foreign buffer here is an internal error.
    init(_ matrix: Matrix) {
        guard let buffer = matrix.buffer as? Buffer else {
            preconditionFailure("an OpenCL kernel was given a buffer of another backend")
        }
        precondition(matrix.offset <= Int(Int32.max) && matrix.ld <= Int(Int32.max), "view past 2^31 elements")
        self.buffer = buffer
        offset = Int32(matrix.offset)
        ld = Int32(matrix.ld)
        rows = matrix.rows
        cols = matrix.cols
    }

    /// A stand-in for an absent optional view: the kernel is told (by a flag) not to touch it.
    init(absent dummy: Buffer) {
        buffer = dummy
        offset = 0
        ld = 0
        rows = 0
        cols = 0
    }

    /// (pointer, offset, ld).
    var arguments: [KernelArgument] {
        [.view(buffer, offset: offset, rows: Int32(rows), cols: Int32(cols), ld: ld), .int32(offset), .int32(ld)]
    }

    /// (pointer, offset): a bias vector, which the kernels address without a leading dimension.
    var vectorArguments: [KernelArgument] {
        [.view(buffer, offset: offset, rows: Int32(rows), cols: Int32(cols), ld: ld), .int32(offset)]
    }
}

/// Per-sequence lengths as the cell kernels take them: (pointer, hasLengths).
struct LengthsArgument {
    let buffer: Buffer
    let present: Bool
    let batch: Int

    init(_ lengths: (any DeviceBuffer)?, batch: Int, dummy: Buffer) {
        if let lengths {
            guard let buffer = lengths as? Buffer else {
                preconditionFailure("an OpenCL kernel was given a buffer of another backend")
            }
            self.buffer = buffer
            present = true
        } else {
            buffer = dummy
            present = false
        }
        self.batch = batch
    }

    var arguments: [KernelArgument] { [.buffer(buffer, needs: present ? batch : 0), .int32(present ? 1 : 0)] }

    /// (pointer, first row, hasLengths) for kernels over rows `rows` of the batch that index the
    /// whole batch's lengths from `rows.lowerBound`, so a part of the batch needs no copy of them.
    static func rows(_ rows: Range<Int>, of lengths: (any DeviceBuffer)?, dummy: Buffer) -> [KernelArgument] {
        let whole = LengthsArgument(lengths, batch: rows.upperBound, dummy: dummy)
        return [.buffer(whole.buffer, needs: whole.present ? rows.upperBound : 0),
                .int32(whole.present ? Int32(rows.lowerBound) : 0), .int32(whole.present ? 1 : 0)]
    }
}

extension Optional where Wrapped == Matrix {
    /// The view, or the backend's stand-in when absent.
    func argument(or dummy: Buffer) -> ViewArgument {
        map(ViewArgument.init) ?? ViewArgument(absent: dummy)
    }
}
