/// A parameter of a kernel's OpenCL signature, as the build-time generator read it from
/// Kernels/*.cl (`KernelName.parameters`). Launches are checked against it before they run.
public struct KernelParameter: Sendable, Equatable, CustomStringConvertible {
    /// How the parameter is declared: a `__global`, `__local` or `__constant` pointer, or a value.
    public enum Kind: Sendable, Equatable {
        case globalBuffer
        case localBuffer
        case constantBuffer
        /// A value parameter, with its OpenCL type: "int", "float".
        case scalar(String)
    }

    /// The parameter's name in the kernel source.
    public let name: String
    /// Its address space, or its scalar type.
    public let kind: Kind

    /// `CustomStringConvertible`: the parameter as the kernel declares it, "__global dst" or "int rows".
    public var description: String {
        switch kind {
        case .globalBuffer: "__global \(name)"
        case .localBuffer: "__local \(name)"
        case .constantBuffer: "__constant \(name)"
        case let .scalar(type): "\(type) \(name)"
        }
    }

    /// Whether `argument` is the kind of value this parameter takes.
    func accepts(_ argument: KernelArgument) -> Bool {
        switch (kind, argument) {
        case (.globalBuffer, .buffer), (.constantBuffer, .buffer), (.localBuffer, .local): true
        case let (.scalar(type), .int32): type == "int"
        case let (.scalar(type), .float): type == "float"
        default: false
        }
    }
}
