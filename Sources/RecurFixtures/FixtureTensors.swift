import Recur

/// Checks of a fixture's tensors against the shapes its metadata implies, done when the fixture is
/// read and before anything runs. A fixture is untrusted input (shared, regenerated, corrupted): a
/// tensor of the wrong rank or shape, an index out of range or a NaN is an error naming the tensor,
/// never an index out of range in the runner.
struct FixtureTensors {
    let file: SafeTensors

    /// A float tensor that must be present, of `shape`.
    func require(_ name: String, _ shape: [Int]) throws {
        guard file.contains(name) else { throw RecurError.invalidValue("fixture has no tensor \(name)") }
        try optional(name, shape)
    }

    /// A float tensor that may be absent; when present, of `shape` (or of `alternatives`).
    func optional(_ name: String, _ shape: [Int], or alternatives: [[Int]] = []) throws {
        guard file.contains(name) else { return }
        let entry = try file.entry(name)
        guard entry.shape == shape || alternatives.contains(entry.shape) else {
            throw RecurError.shapeMismatch(tensor: "fixture tensor \(name)", actual: entry.shape, expected: shape)
        }
        guard entry.dtype.isFloatingPoint else {
            throw RecurError.invalidValue("fixture tensor \(name) has dtype \(entry.dtype.rawValue), expected a float dtype")
        }
    }

    /// Refuses a tensor present where the case has no use for it (c0 for a GRU).
    func absent(_ name: String, because reason: String) throws {
        if file.contains(name) { throw RecurError.invalidValue("fixture has a tensor \(name), but \(reason)") }
    }

    /// An integer tensor that must be present, of rank `rank`; returns its shape and values, each in `range`.
    func indices(_ name: String, rank: Int, range: ClosedRange<Int64>, required: Bool) throws -> (shape: [Int], values: [Int64])? {
        guard file.contains(name) else {
            if required { throw RecurError.invalidValue("fixture has no tensor \(name)") }
            return nil
        }
        let entry = try file.entry(name)
        guard !entry.dtype.isFloatingPoint else {
            throw RecurError.invalidValue("fixture tensor \(name) has dtype \(entry.dtype.rawValue), expected an integer dtype")
        }
        guard entry.shape.count == rank else {
            throw RecurError.invalidValue("fixture tensor \(name) has shape \(entry.shape), expected \(rank) axes")
        }
        let values = try file.int64s(name)
        if let index = values.firstIndex(where: { !range.contains($0) }) {
            throw RecurError.invalidValue(
                "fixture tensor \(name) holds \(values[index]) at index \(index), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return (entry.shape, values)
    }

    /// Every float tensor of the file holds finite values only.
    func allFinite() throws {
        for name in file.names where try file.entry(name).dtype.isFloatingPoint {
            try Checkpoint.checkFinite(file, name, what: "fixture tensor \(name)")
        }
    }
}
