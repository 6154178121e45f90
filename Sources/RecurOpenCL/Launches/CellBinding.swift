import Recur

/// A cell kernel's arguments, bound by parameter name. Every cell kernel of a loop takes its
/// step's views, flags and sizes under one vocabulary (below), so a cell's kernels need no launch
/// struct: the launch walks the kernel's signature as the generator read it (`KernelName.parameters`)
/// and takes each parameter from here. Adding a cell, or a parameter from the vocabulary to a
/// kernel, touches the kernel file only; a parameter outside the vocabulary is an error naming it.
///
/// How parameters bind:
/// - a `__global` buffer `x` followed by `int xOff, int xLd`: the view `x` (B, ·), or a stand-in
///   the kernel is told (by a flag) not to read; followed by `int xOff` alone: the same, as a
///   vector (a bias row, addressed without a leading dimension);
/// - `lengths` followed by `int hasLengths`: the per-sequence lengths (B ints), or a stand-in;
/// - an `int`: a flag (`hasBias`, `hasSaved`, ...) or a size (`time`, `batch`, `hidden`, `relu`).
///
/// The vocabulary (shapes per batch row; G gates, S saved units of the cell, H hidden):
/// - forward: xProj (G*H) x_t W_ih^T; hProj (G*H) h_{t-1} W_hh^T (per-step kernels); whh (G*H x H)
///   W_hh (fused kernels); biasIH, biasHH (G*H vectors), hasBias; hPrev, hNext, cPrev, cNext,
///   output (H); saved (S*H), hasSaved.
/// - backward: saved, hPrev, hOut, cPrev (read); dhNext or dhDirect (H) the gradient of h_t (its
///   direct part, in the fused kernels), dcNext (H); dOutput (H), hasDOutput; dGatesX, dGatesH
///   (G*H) written; dhPrev, dcPrev (H) written; fused only: dGatesNext (G*H) the next step's
///   dGatesH, hasGatesNext, whhT (H x G*H) W_hh^T.
/// - both: lengths, hasLengths; time, batch, hidden; relu (1 for the ReLU Elman cell).
struct CellBinding {
    private var views: [String: Matrix?] = [:]
    private var ints: [String: Int32] = [:]
    private var lengths: (any DeviceBuffer)?
    private let batch: Int

    init(batch: Int, hidden: Int, time: Int, mode: CellMode, lengths: (any DeviceBuffer)?) {
        self.batch = batch
        self.lengths = lengths
        ints = ["batch": Int32(batch), "hidden": Int32(hidden), "time": Int32(time),
                "relu": mode == .rnnReLU ? 1 : 0, "hasLengths": lengths == nil ? 0 : 1]
    }

    /// Binds view `name` (nil: absent), and `flag` to whether it is present.
    mutating func bind(_ name: String, _ view: Matrix?, flag: String? = nil) {
        views[name] = .some(view)
        if let flag { ints[flag] = view == nil ? 0 : 1 }
    }

    mutating func bind(_ name: String, _ value: Int32) {
        ints[name] = value
    }

    /// The arguments of `kernel`, in signature order; `dummy` stands in for absent views.
    func arguments(for kernel: KernelName, dummy: Buffer) throws(OpenCLError) -> [KernelArgument] {
        let parameters = kernel.parameters
        var arguments: [KernelArgument] = []
        var index = 0
        func named(_ offset: Int) -> String? {
            index + offset < parameters.count ? parameters[index + offset].name : nil
        }
        while index < parameters.count {
            let parameter = parameters[index]
            switch parameter.kind {
            case .globalBuffer where parameter.name == "lengths":
                arguments += LengthsArgument(lengths, batch: batch, dummy: dummy).arguments.prefix(1)
                index += 1
            case .globalBuffer:
                guard let view = views[parameter.name] else { throw unbound(kernel, parameter) }
                let argument = view.argument(or: dummy)
                guard named(1) == parameter.name + "Off" else {
                    throw .invalidArgument("\(kernel.rawValue): view \(parameter.name) must be followed by int \(parameter.name)Off (and \(parameter.name)Ld)")
                }
                if named(2) == parameter.name + "Ld" {
                    arguments += argument.arguments
                    index += 3
                } else {
                    arguments += argument.vectorArguments
                    index += 2
                }
            case .scalar("int"):
                guard let value = ints[parameter.name] else { throw unbound(kernel, parameter) }
                arguments.append(.int32(value))
                index += 1
            default:
                throw unbound(kernel, parameter)
            }
        }
        return arguments
    }

    private func unbound(_ kernel: KernelName, _ parameter: KernelParameter) -> OpenCLError {
        .invalidArgument("\(kernel.rawValue) takes \(parameter), which a cell step does not provide (the vocabulary is on CellBinding)")
    }
}

/// A launch whose kernel is chosen at run time and whose arguments were bound by name.
struct BoundLaunch {
    let kernel: KernelName
    let arguments: [KernelArgument]
    let globalSize: [Int]
    let localSize: [Int]?
}
