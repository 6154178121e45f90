import Recur

/// A cell kernel's arguments, bound by parameter name. Every cell kernel of a loop takes its
/// step's views, flags and sizes under one vocabulary (`CellView`, `CellValue`), so a cell's
/// kernels need no launch struct: each kernel's signature, as the generator read it
/// (`KernelName.parameters`), is read once into a plan, and a launch fills the plan from here.
/// Adding a cell, or a parameter from the vocabulary to a kernel, touches the kernel file only; a
/// parameter outside the vocabulary is an error naming it.
///
/// How parameters bind:
/// - a `__global` buffer `x` followed by `int xOff, int xLd`: the view `x` (B, ·), or a stand-in
///   the kernel is told (by a flag) not to read; followed by `int xOff` alone: the same, as a
///   vector (a bias row, addressed without a leading dimension);
/// - `lengths` followed by `int hasLengths`: the per-sequence lengths (B ints), or a stand-in;
/// - an `int`: a flag or a size (`CellValue`).
struct CellBinding {
    private var views = [ViewSlot](repeating: .unbound, count: CellView.allCases.count)
    private var values = [Int32?](repeating: nil, count: CellValue.allCases.count)
    private let lengths: (any DeviceBuffer)?
    private let batch: Int

    init(batch: Int, hidden: Int, time: Int, mode: CellMode, lengths: (any DeviceBuffer)?) {
        self.batch = batch
        self.lengths = lengths
        bind(.batch, Int32(batch)); bind(.hidden, Int32(hidden)); bind(.time, Int32(time))
        bind(.relu, mode == .rnnReLU ? 1 : 0)
        bind(.hasLengths, lengths == nil ? 0 : 1)
    }

    /// Binds `view` (nil: absent), and `flag` to whether it is present.
    mutating func bind(_ name: CellView, _ view: Matrix?, flag: CellValue? = nil) {
        views[name.index] = view.map(ViewSlot.present) ?? .absent
        if let flag { bind(flag, view == nil ? 0 : 1) }
    }

    mutating func bind(_ name: CellValue, _ value: Int32) {
        values[name.index] = value
    }

    /// The arguments of `kernel`, in signature order; `dummy` stands in for absent views.
    func arguments(for kernel: KernelName, dummy: Buffer) throws(OpenCLError) -> [KernelArgument] {
        var arguments: [KernelArgument] = []
        for slot in try CellSignature.plan(kernel) {
            switch slot {
            case .lengths:
                // The pointer only: hasLengths is a `CellValue`, bound at init.
                arguments.append(LengthsArgument(lengths, batch: batch, dummy: dummy).arguments[0])
            case let .view(name, vector):
                let argument: ViewArgument
                switch views[name.index] {
                case .unbound: throw CellSignature.unbound(kernel, name.rawValue)
                case .absent: argument = ViewArgument(absent: dummy)
                case let .present(matrix): argument = ViewArgument(matrix)
                }
                arguments += vector ? argument.vectorArguments : argument.arguments
            case let .value(name):
                guard let value = values[name.index] else { throw CellSignature.unbound(kernel, name.rawValue) }
                arguments.append(.int32(value))
            }
        }
        return arguments
    }

    private enum ViewSlot {
        case unbound, absent
        case present(Matrix)
    }
}

/// The views a cell kernel may take (shapes per batch row; G gates, S saved units of the cell, H
/// hidden units).
enum CellView: String, CaseIterable {
    // Forward: x_t W_ih^T (G*H); h_{t-1} W_hh^T (G*H, per-step kernels) or W_hh (G*H x H, fused
    // kernels); the biases (G*H vectors); the states (H); the layer output (H); the saved
    // activations (S*H).
    case xProj, hProj, whh, biasIH, biasHH, hPrev, hNext, cPrev, cNext, output, saved
    // Backward: h_t (H); the gradient of h_t, whole (dhNext) or its direct part (dhDirect, fused
    // kernels), and of c_t (H); the output's gradient (H); the gate gradients written (G*H);
    // the states' gradients written (H); fused only: the next step's dGatesH (G*H) and W_hh^T
    // (H x G*H).
    case hOut, dhNext, dhDirect, dcNext, dOutput, dGatesX, dGatesH, dhPrev, dcPrev, dGatesNext, whhT

    /// The case's position, for `CellBinding`'s table.
    var index: Int { Self.positions[self]! }
    private static let positions = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })
}

/// The int parameters a cell kernel may take: sizes, the Elman cell's activation, and whether an
/// optional view is present.
enum CellValue: String, CaseIterable {
    case time, batch, hidden, relu
    case hasBias, hasSaved, hasDOutput, hasGatesNext, hasLengths

    /// The case's position, for `CellBinding`'s table.
    var index: Int { Self.positions[self]! }
    private static let positions = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })
}

/// A cell kernel's signature read against the vocabulary, once per kernel.
private enum CellSignature {
    enum Slot {
        case view(CellView, vector: Bool)
        case value(CellValue)
        case lengths
    }

    /// Every kernel's plan, or why it has none (any kernel that is not a cell's), made on first use.
    private static let plans: [KernelName: Result<[Slot], OpenCLError>] = Dictionary(
        uniqueKeysWithValues: KernelName.allCases.map { name in (name, Result { () throws(OpenCLError) in try read(name) }) })

    static func plan(_ kernel: KernelName) throws(OpenCLError) -> [Slot] {
        try plans[kernel]!.get()
    }

    private static func read(_ kernel: KernelName) throws(OpenCLError) -> [Slot] {
        let parameters = kernel.parameters
        var slots: [Slot] = []
        var index = 0
        func named(_ offset: Int) -> String? {
            index + offset < parameters.count ? parameters[index + offset].name : nil
        }
        while index < parameters.count {
            let parameter = parameters[index]
            switch parameter.kind {
            case .globalBuffer where parameter.name == "lengths":
                slots.append(.lengths)
                index += 1
            case .globalBuffer:
                guard let view = CellView(rawValue: parameter.name) else { throw unbound(kernel, "\(parameter)") }
                guard named(1) == parameter.name + "Off" else {
                    throw .invalidArgument("\(kernel.rawValue): view \(parameter.name) must be followed by int \(parameter.name)Off (and \(parameter.name)Ld)")
                }
                let vector = named(2) != parameter.name + "Ld"
                slots.append(.view(view, vector: vector))
                index += vector ? 2 : 3
            case .scalar("int"):
                guard let value = CellValue(rawValue: parameter.name) else { throw unbound(kernel, "\(parameter)") }
                slots.append(.value(value))
                index += 1
            default:
                throw unbound(kernel, "\(parameter)")
            }
        }
        return slots
    }

    static func unbound(_ kernel: KernelName, _ parameter: String) -> OpenCLError {
        .invalidArgument("\(kernel.rawValue) takes \(parameter), which a cell step does not provide (the vocabulary: CellView, CellValue)")
    }
}

/// A launch whose kernel is chosen at run time and whose arguments were bound by name.
struct BoundLaunch {
    let kernel: KernelName
    let arguments: [KernelArgument]
    let globalSize: [Int]
    let localSize: [Int]?
}
