// swift-tools-version: 6.0
import PackageDescription

// The CPU backend's hot loops need FMA and AVX2 (`SIMD8<Float>.addingProduct` becomes per-lane `fmaf`
// calls without them) and -Ounchecked (-O spills the GEMM micro-kernel's accumulators). Swift has no
// per-function target attribute, so the flags are set for the whole module. `haswell` (x86-64-v3)
// rather than `native` so that binaries travel.
//
// Release builds (what rnn-bench times and users ship) take -Ounchecked; debug builds, which is what
// `swift test` builds, take -O: still optimised, so the tests stay fast, but checked, so that the
// preconditions and overflow and bounds checks of RecurCPU and RecurAVX512 run in every test (under
// -Ounchecked none of them ever ran anywhere). The same -target-cpu in both, so the tests run the
// same vector code. SwiftPM refuses unsafeFlags in a dependency required by version: users who take
// Recur that way add `-Xswiftc -target-cpu -Xswiftc haswell` to their own build.
let hotLoops: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(platforms: [.linux], configuration: .release)),
    .unsafeFlags(["-O", "-target-cpu", "haswell"], .when(platforms: [.linux], configuration: .debug)),
    .unsafeFlags(["-Ounchecked"], .when(platforms: [.macOS], configuration: .release)),
    .unsafeFlags(["-O"], .when(platforms: [.macOS], configuration: .debug)),
]

// The AVX-512 kernels live in a module of their own, compiled for skylake-avx512 (x86-64-v4), and
// RecurCPU calls them only after `CPUVectorWidth` has found AVX-512 on the running CPU: the
// per-module target is how Swift gets one binary with both 256- and 512-bit kernels. Checked (-O)
// in debug builds and -Ounchecked in release ones, as `hotLoops`.
let avx512Kernels: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512"], .when(platforms: [.linux], configuration: .release)),
    .unsafeFlags(["-O", "-target-cpu", "skylake-avx512"], .when(platforms: [.linux], configuration: .debug)),
    .unsafeFlags(["-Ounchecked"], .when(platforms: [.macOS], configuration: .release)),
    .unsafeFlags(["-O"], .when(platforms: [.macOS], configuration: .debug)),
]

let package = Package(
    name: "Recur",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Recur", targets: ["Recur"]),
        .library(name: "RecurCPU", targets: ["RecurCPU"]),
        .library(name: "RecurFixtures", targets: ["RecurFixtures"]),
        .library(name: "RecurOpenCL", targets: ["RecurOpenCL"]),
        .library(name: "RecurDistributed", targets: ["RecurDistributed"]),
        .executable(name: "rnn-bench", targets: ["rnn-bench"]),
        .executable(name: "rnn-train", targets: ["rnn-train"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The core: descriptors, the Backend protocol, BPTT written once over it, safetensors.
        .target(name: "Recur"),
        // The pure-Swift backend: the reference, and fast.
        .target(name: "RecurCPU", dependencies: ["Recur", "RecurAVX512"], swiftSettings: hotLoops),
        // RecurCPU's 512-bit GEMM, time-loop, cell and FMA kernels (never imported outside RecurCPU). Its
        // Lanes/ is a symlink to RecurCPU's Cells/Lanes: the cell sources, compiled here for 16 lanes.
        .target(name: "RecurAVX512", swiftSettings: avx512Kernels),
        // The OpenCL C API (1.2), linked through pkg-config.
        .systemLibrary(
            name: "COpenCL",
            pkgConfig: "OpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]
        ),
        // The OpenCL runtime and backend; the top-level Kernels/*.cl are embedded by EmbedKernels.
        // RecurCPU and RecurFixtures: the reference and the comparison of each device's self-test.
        .target(name: "RecurOpenCL", dependencies: ["Recur", "COpenCL", "RecurCPU", "RecurFixtures"], plugins: ["EmbedKernels"]),
        // Writes Kernels/*.cl as Swift raw strings (KernelFile, KernelName) at build time.
        .plugin(name: "EmbedKernels", capability: .buildTool(), dependencies: ["embed-kernels"]),
        // The generator EmbedKernels runs (a host tool; never shipped).
        .executableTarget(name: "embed-kernels"),
        // MPI's C API (Open MPI through pkg-config), with a shim for the handles that are macros.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // Data-parallel training over MPI: the Communicator and gradient averaging (its own target:
        // the core and the backends never link MPI).
        .target(name: "RecurDistributed", dependencies: ["Recur", "CMPI"]),
        // PyTorch reference fixtures (shared/fixtures/FORMAT.md): load, run on a backend, compare.
        .target(name: "RecurFixtures", dependencies: ["Recur"]),
        // The conformance suite every backend runs, and the fixtures it needs (never imported by a product).
        .target(
            name: "RecurTestSupport",
            dependencies: ["Recur", "RecurCPU", "RecurOpenCL", "RecurFixtures", "RecurCLI"],
            resources: [.copy("Fixtures")]
        ),
        // What the command-line tools share: backend choice, exit statuses, console output.
        .target(
            name: "RecurCLI",
            dependencies: [
                "Recur", "RecurCPU", "RecurOpenCL", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "rnn-bench",
            dependencies: [
                "Recur", "RecurCPU", "RecurOpenCL", "RecurFixtures", "RecurCLI", "RecurDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The training command line: the built-in binary-addition task, char-LMs, sampling.
        .executableTarget(
            name: "rnn-train",
            dependencies: [
                "Recur", "RecurCPU", "RecurOpenCL", "RecurCLI", "RecurDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Examples/: the worked examples, each an executable of a few dozen lines, each run by ExamplesTests.
        .executableTarget(name: "autocomplete", dependencies: ["Recur", "RecurCPU"], path: "Examples/Autocomplete"),
        .executableTarget(name: "sentiment", dependencies: ["Recur", "RecurCPU"], path: "Examples/Sentiment"),
        .executableTarget(name: "time-series", dependencies: ["Recur", "RecurCPU"], path: "Examples/TimeSeries"),
        .executableTarget(name: "sort-digits", dependencies: ["Recur", "RecurCPU"], path: "Examples/SortDigits"),
        .executableTarget(name: "continue-pytorch", dependencies: ["Recur", "RecurCPU"], path: "Examples/ContinuePyTorch"),
        .testTarget(name: "RecurTests", dependencies: ["Recur", "RecurCPU", "RecurFixtures", "RecurTestSupport"]),
        .testTarget(name: "RecurCPUTests", dependencies: ["Recur", "RecurCPU", "RecurTestSupport"]),
        // rnn-bench's command-line contract, run as a process.
        .testTarget(name: "RNNBenchTests", dependencies: ["rnn-bench", "Recur", "RecurTestSupport"]),
        // rnn-train's command-line contract (run as a process) and its internal types.
        .testTarget(name: "RNNTrainTests", dependencies: ["rnn-train", "Recur", "RecurCPU", "RecurOpenCL", "RecurTestSupport"]),
        // RecurCLI's mapping of RECUR_* variables onto the backends' options, and its driver settings.
        .testTarget(name: "RecurCLITests", dependencies: ["RecurCLI", "RecurCPU", "RecurOpenCL", "RecurTestSupport"]),
        .testTarget(name: "RecurOpenCLTests", dependencies: ["RecurOpenCL", "RecurCPU", "RecurTestSupport", "embed-kernels"]),
        // The conformance suite, once per backend.
        .testTarget(name: "ConformanceTests", dependencies: ["Recur", "RecurFixtures", "RecurTestSupport"]),
        // Each example run as a process on small settings.
        .testTarget(name: "ExamplesTests", dependencies: [
            "autocomplete", "sentiment", "time-series", "sort-digits", "continue-pytorch", "RecurTestSupport",
        ]),
    ]
)
