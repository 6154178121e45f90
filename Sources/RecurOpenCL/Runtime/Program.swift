import COpenCL

/// A program built for its context's device. Each kernel file is built CLBlast-style, as
/// `common.cl` then the file, whose `#include "x.cl"` lines embed-kernels has expanded (each file
/// once), so shared device code is written once; `#line` directives make build logs name
/// `Kernels/<file>.cl` and its real line numbers.
///
/// Build through `ProgramCache`, which builds each (context, file, options) once per process.
///
/// `@unchecked Sendable`: a built program is immutable and OpenCL calls on it are thread-safe.
final class Program: @unchecked Sendable {
    let raw: cl_program
    let context: Context
    /// The kernel file's name ("elementwise.cl"), for errors.
    let fileName: String
    let options: BuildOptions

    convenience init(context: Context, file: KernelFile, options: BuildOptions) throws(OpenCLError) {
        let sources = [KernelFile.common.source, file.source]
        try self.init(context: context, sources: sources, fileName: file.rawValue, options: options)
    }

    /// Builds arbitrary sources; `fileName` only labels errors. The kernel files go through the
    /// initializer above; this one exists so a test can feed a source that does not build.
    init(context: Context, sources: [String], fileName: String, options: BuildOptions) throws(OpenCLError) {
        var status: cl_int = CL_SUCCESS
        let program = withCStrings(sources) { strings in
            clCreateProgramWithSource(context.raw, cl_uint(sources.count), strings, nil, &status)
        }
        guard status == CL_SUCCESS, let program else {
            if let program { clReleaseProgram(program) }
            throw .call("clCreateProgramWithSource", CLStatus(status))
        }
        var deviceID: cl_device_id? = context.device.id
        let built = clBuildProgram(program, 1, &deviceID, options.string, nil, nil)
        if built != CL_SUCCESS {
            let log = (try? Info.string("clGetProgramBuildInfo(CL_PROGRAM_BUILD_LOG)") {
                clGetProgramBuildInfo(program, deviceID, cl_program_build_info(CL_PROGRAM_BUILD_LOG), $0, $1, $2)
            }) ?? ""
            clReleaseProgram(program)
            switch built {
            case CL_BUILD_PROGRAM_FAILURE:
                throw .buildFailed(file: fileName, options: options.string, log: log.isEmpty ? "(the driver gave no build log)" : log)
            case CL_INVALID_BUILD_OPTIONS:
                throw .buildFailed(file: fileName, options: options.string, log: "the driver rejected the options (CL_INVALID_BUILD_OPTIONS)\n" + log)
            default:
                throw .call("clBuildProgram(\(fileName))", CLStatus(built))
            }
        }
        raw = program
        self.context = context
        self.fileName = fileName
        self.options = options
    }

    deinit { clReleaseProgram(raw) }
}

/// Calls `body` with NUL-terminated copies of `strings`, valid only during the call.
private func withCStrings<Result>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Result) -> Result {
    let copies: [UnsafeMutablePointer<CChar>] = strings.map { string in
        let utf8 = string.utf8CString
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        utf8.withUnsafeBufferPointer { copy.initialize(from: $0.baseAddress!, count: $0.count) }
        return copy
    }
    defer { copies.forEach { $0.deallocate() } }
    var pointers = copies.map { UnsafePointer<CChar>?($0) }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
