/// Memory owned by one backend (host memory for the CPU backend, a `cl_mem` for OpenCL).
/// Elements are 32-bit: `Float` for values, `Int32` for indices and lengths.
public protocol DeviceBuffer: AnyObject {
    /// Capacity in 32-bit elements.
    var count: Int { get }
}

/// A row-major n-dimensional array on a backend: a shape over a device buffer.
public struct Tensor {
    /// Sizes of the axes, outermost first.
    public let shape: [Int]
    /// The elements, row-major; it may hold more than `count`.
    public let buffer: any DeviceBuffer

    /// The shape must fit in `buffer` (a precondition).
    public init(shape: [Int], buffer: any DeviceBuffer) {
        precondition(shape.reduce(1, *) <= buffer.count, "tensor shape \(shape) exceeds its buffer")
        self.shape = shape
        self.buffer = buffer
    }

    /// Elements: the product of `shape`.
    public var count: Int { shape.reduce(1, *) }

    /// The whole tensor as a (rows x cols) matrix, cols being the last axis.
    public var matrix: Matrix {
        let cols = shape.last ?? 1
        return Matrix(buffer, offset: 0, rows: count / max(cols, 1), cols: cols)
    }
}

/// A row-major 2-D view into a device buffer: element (r, c) is at `offset + r * ld + c`.
/// The BPTT loop addresses time steps, directions and gate blocks through views, never copies.
/// It is the operand of the `Backend` protocol, for whoever writes a backend; layers, models and
/// losses take and return `Tensor`.
public struct Matrix {
    /// The buffer viewed; views share it, never copy it.
    public let buffer: any DeviceBuffer
    /// Element of `buffer` at (0, 0).
    public let offset: Int
    /// Rows of the view (0 allowed).
    public let rows: Int
    /// Columns of each row, at most `ld`.
    public let cols: Int
    /// Leading dimension (row stride), at least `cols`.
    public let ld: Int

    /// A (rows, cols) view at `offset` with row stride `ld` (default `cols`); it must lie within `buffer`.
    public init(_ buffer: any DeviceBuffer, offset: Int = 0, rows: Int, cols: Int, ld: Int? = nil) {
        let ld = ld ?? cols
        precondition(rows >= 0 && cols >= 0 && ld >= cols && offset >= 0, "bad matrix view")
        precondition(rows == 0 || offset + (rows - 1) * ld + cols <= buffer.count, "matrix view past its buffer")
        self.buffer = buffer
        self.offset = offset
        self.rows = rows
        self.cols = cols
        self.ld = ld
    }

    /// Rows `start ..< start + count`.
    public func rows(_ start: Int, _ count: Int) -> Matrix {
        Matrix(buffer, offset: offset + start * ld, rows: count, cols: cols, ld: ld)
    }

    /// Columns `start ..< start + count` of every row.
    public func columns(_ start: Int, _ count: Int) -> Matrix {
        Matrix(buffer, offset: offset + start, rows: rows, cols: count, ld: ld)
    }

    /// Whether rows follow each other with no gap.
    public var isContiguous: Bool { ld == cols || rows <= 1 }
}

/// Int32 indices on a backend (token ids, class targets): a shape over a device buffer.
public struct IndexTensor {
    /// Sizes of the axes, outermost first.
    public let shape: [Int]
    /// Int32 elements, row-major; it may hold more than `count`.
    public let buffer: any DeviceBuffer
    /// Elements: the product of `shape`.
    public var count: Int { shape.reduce(1, *) }

    /// The shape must fit in `buffer` (a precondition); values are not checked (`Backend.indices` checks them).
    public init(shape: [Int], buffer: any DeviceBuffer) {
        precondition(shape.reduce(1, *) <= buffer.count, "index tensor shape \(shape) exceeds its buffer")
        self.shape = shape
        self.buffer = buffer
    }
}

extension Backend {
    /// Indices on the device. `limit`: every value must be below it (and, unless `allowNegative`,
    /// at least 0; negative values mark positions a loss ignores).
    public func indices(_ values: [Int32], shape: [Int], limit: Int, allowNegative: Bool = false, name: String = "indices") throws -> IndexTensor {
        guard values.count == (try CheckedSize.product(shape, "\(name) of shape \(shape)")) else {
            throw RecurError.shapeMismatch(tensor: name, actual: [values.count], expected: shape)
        }
        if let bad = values.firstIndex(where: { Int($0) >= limit || (!allowNegative && $0 < 0) }) {
            throw RecurError.invalidValue("\(name)[\(bad)] is \(values[bad]), outside 0..<\(limit)")
        }
        let buffer = try makeBuffer(count: values.count)
        try upload(values, to: buffer, offset: 0)
        return IndexTensor(shape: shape, buffer: buffer)
    }
}
