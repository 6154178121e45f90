import CMPI

/// What can go wrong between ranks, each with a message a user can act on.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// An MPI call returned an error code (with MPI's own message for it).
    case mpi(call: String, code: Int32, message: String)
    /// The ranks disagree about something that must be the same on all (sizes, parameters).
    case ranksDisagree(String)
    /// A size that does not divide between the ranks, or another invalid request.
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .mpi(let call, let code, let message):
            return "\(call) failed with MPI error \(code): \(message)"
        case .ranksDisagree(let what): return "the ranks disagree: \(what)"
        case .invalidRequest(let what): return what
        }
    }

    /// Throws `.mpi` unless `code` is MPI_SUCCESS.
    static func check(_ code: Int32, _ call: @autoclosure () -> String) throws(DistributedError) {
        guard code != recur_mpi_success() else { return }
        throw .mpi(call: call(), code: code, message: errorString(code))
    }

    private static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(recur_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &buffer, &length) == recur_mpi_success() else { return "(no message)" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
