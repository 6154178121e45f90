import Foundation

/// What `rnn-bench tune` found on one device and driver: the file `GEMMTuningCache` reads and
/// writes. It keeps the measurements beside the parameters, so that the file says why these
/// parameters won and by how much.
public struct TuningRecord: Codable, Sendable, Equatable {
    /// Bumped when the meaning of a field changes; a file of another version is ignored.
    public static let currentFormat = 1

    public var format: Int
    /// CL_DEVICE_NAME, CL_DEVICE_VENDOR, CL_DRIVER_VERSION and CL_DEVICE_VERSION of the device measured.
    public var device: String
    public var vendor: String
    public var driverVersion: String
    public var openCLVersion: String
    /// When it was measured (ISO 8601 in the file).
    public var date: Date
    /// The parameters chosen.
    public var tuning: GEMMTuning
    /// GFLOP/s per shape with the defaults and with the chosen parameters.
    public var shapes: [ShapeResult]

    /// One GEMM shape C (m x n) = op(A) (m x k) op(B) (k x n) and its speed with both settings.
    public struct ShapeResult: Codable, Sendable, Equatable {
        public var name: String
        public var m, n, k: Int
        public var transA, transB: Bool
        public var defaultGFLOPs: Double
        public var tunedGFLOPs: Double

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

    public static func decode(_ data: Data) throws -> TuningRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(TuningRecord.self, from: data)
    }
}
