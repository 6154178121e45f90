import COpenCL

/// The two-call pattern of every `clGet*Info`: ask for the size, then for the bytes. `query` is
/// the info call with its object and parameter already bound: `{ clGetDeviceInfo(id, param, $0, $1, $2) }`.
enum Info {
    typealias Query = (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> cl_int

    static func string(_ call: String, _ query: Query) throws(OpenCLError) -> String {
        let bytes = try self.bytes(call, query)
        // The value is NUL-terminated; decode up to the terminator (String(cString:) on arrays is deprecated).
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func value<Value: BitwiseCopyable>(_ call: String, as type: Value.Type, _ query: Query) throws(OpenCLError) -> Value {
        var size = 0
        try check(call, query(0, nil, &size))
        guard size == MemoryLayout<Value>.size else {
            throw .invalidArgument("\(call) answered \(size) bytes where \(MemoryLayout<Value>.size) were expected")
        }
        return try withUnsafeTemporaryAllocation(of: Value.self, capacity: 1) { (slot) throws(OpenCLError) -> Value in
            try check(call, query(size, UnsafeMutableRawPointer(slot.baseAddress), nil))
            return slot[0]
        }
    }

    static func bytes(_ call: String, _ query: Query) throws(OpenCLError) -> [UInt8] {
        var size = 0
        try check(call, query(0, nil, &size))
        var bytes = [UInt8](repeating: 0, count: size)
        let status = bytes.withUnsafeMutableBytes { query(size, $0.baseAddress, nil) }
        try check(call, status)
        return bytes
    }
}

/// Throws `.call` for any status but CL_SUCCESS.
@inline(__always)
func check(_ call: String, _ status: cl_int) throws(OpenCLError) {
    if status != CL_SUCCESS { throw .call(call, CLStatus(status)) }
}
