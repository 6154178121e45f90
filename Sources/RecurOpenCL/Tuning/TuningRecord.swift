import Foundation

/// What `rnn-bench tune` found on one device and driver: the file `GEMMTuningCache` reads and
/// writes. It keeps the measurements beside the parameters, so that the file says why these
/// parameters won and by how much.
public struct TuningRecord: Codable, Sendable, Equatable {
    /// Bumped when the meaning of a field changes; a file of another version is ignored.
    public static let currentFormat = 1

    /// `currentFormat` when written.
    public var format: Int
    /// CL_DEVICE_NAME, CL_DEVICE_VENDOR, CL_DRIVER_VERSION and CL_DEVICE_VERSION of the device measured.
    public var device: String
    /// CL_DEVICE_VENDOR of the device measured.
    public var vendor: String
    /// CL_DRIVER_VERSION of the device measured.
    public var driverVersion: String
    /// CL_DEVICE_VERSION of the device measured.
    public var openCLVersion: String
    /// When it was measured (ISO 8601 in the file).
    public var date: Date
    /// The parameters chosen.
    public var tuning: GEMMTuning
    /// GFLOP/s per shape with the defaults and with the chosen parameters.
    public var shapes: [ShapeResult]

    /// One GEMM shape C (m x n) = op(A) (m x k) op(B) (k x n) and its speed with both settings.
    public struct ShapeResult: Codable, Sendable, Equatable {
        /// A label for the shape: "step 64x2048x512 B^T" (`rnn-bench tune`'s).
        public var name: String
        /// C is (m x n), op(A) (m x k), op(B) (k x n).
        public var m, n, k: Int
        /// Whether op(A), op(B) transpose A, B.
        public var transA, transB: Bool
        /// GFLOP/s with the device type's default parameters.
        public var defaultGFLOPs: Double
        /// GFLOP/s with the record's `tuning`.
        public var tunedGFLOPs: Double

        /// Memberwise.
        public init(name: String, m: Int, n: Int, k: Int, transA: Bool, transB: Bool, defaultGFLOPs: Double, tunedGFLOPs: Double) {
            self.name = name
            self.m = m
            self.n = n
            self.k = k
            self.transA = transA
            self.transB = transB
            self.defaultGFLOPs = defaultGFLOPs
            self.tunedGFLOPs = tunedGFLOPs
        }
    }

    /// A record for `device`, dated now.
    public init(device: Device, tuning: GEMMTuning, shapes: [ShapeResult], date: Date = Date()) {
        self.init(device: device.name, vendor: device.vendor, driverVersion: device.driverVersion,
                  openCLVersion: device.openCLVersion, tuning: tuning, shapes: shapes, date: date)
    }

    /// A record in the current format, for the device these strings name.
    public init(device: String, vendor: String, driverVersion: String, openCLVersion: String, tuning: GEMMTuning,
                shapes: [ShapeResult], date: Date) {
        format = Self.currentFormat
        self.device = device
        self.vendor = vendor
        self.driverVersion = driverVersion
        self.openCLVersion = openCLVersion
        self.date = date
        self.tuning = tuning
        self.shapes = shapes
    }

    /// Pretty-printed with sorted keys: a person reads it, and equal records give equal files.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Reads a record as `encoded()` writes it (ISO 8601 dates).
    public static func decode(_ data: Data) throws -> TuningRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(TuningRecord.self, from: data)
    }
}
