@testable import embed_kernels
import Testing

/// The embed-kernels generator on sources the package's own kernels do not exercise.
@Suite struct Generator {
    @Test func signaturesAreReadPastCommentsAttributesAndPreprocessorLines() throws {
        let source = """
            #define KERNEL_LIKE __kernel void not_a_kernel(int a)
            // __kernel void commented_out(int a)
            /* kernel void also_commented(
               int a) */
            __kernel __attribute__((reqd_work_group_size(8, 1, 1)))
            void scaled(__global const float* restrict x, const int n,
                        __local float* scratch, float alpha) { }
            kernel void no_arguments(void) { }
            static inline float helper(float x) { return x; }
            """
        let kernels = try KernelScanner.signatures(in: source)
        #expect(kernels.map(\.name) == ["scaled", "no_arguments"])
        let parameters = kernels[0].parameters
        #expect(parameters.map(\.name) == ["x", "n", "scratch", "alpha"])
        #expect(parameters.map(\.addressSpace) == ["global", nil, "local", nil])
        #expect(parameters.map(\.type) == ["float*", "int", "float*", "float"])
        #expect(kernels[1].parameters.isEmpty)
    }

    @Test func rawLiteralsSurviveAnyContent() {
        let text = "a \"\"\"# b \\#(x) ### c"
        let literal = SwiftEmitter.rawLiteral(text)
        #expect(literal.hasPrefix("####\"\"\"\n"))
        #expect(literal.hasSuffix("\n\"\"\"####"))
    }

    @Test func namesBecomeLowerCamelCase() throws {
        #expect(try SwiftEmitter.caseName("lstm_forward") == "lstmForward")
        #expect(try SwiftEmitter.caseName("gemm") == "gemm")
        #expect(try SwiftEmitter.caseName("default") == "`default`")
        #expect(throws: ScanError.self) { try SwiftEmitter.caseName("2d_conv") }
    }

    @Test func commonMayNotDefineKernelsAndNamesMayNotRepeat() throws {
        let kernel = KernelSignature(name: "k", parameters: [])
        #expect(throws: ScanError.self) {
            try SwiftEmitter.emit([KernelSourceFile(fileName: "common.cl", text: "", kernels: [kernel])])
        }
        #expect(throws: ScanError.self) {
            try SwiftEmitter.emit([
                KernelSourceFile(fileName: "a.cl", text: "", kernels: [kernel]),
                KernelSourceFile(fileName: "b.cl", text: "", kernels: [kernel]),
            ])
        }
        let swift = try SwiftEmitter.emit([KernelSourceFile(fileName: "only_text.cl", text: "// no newline", kernels: [])])
        #expect(swift.contains("case onlyText = \"only_text.cl\""))
        #expect(swift.contains("#line 1 \"Kernels/only_text.cl\"\n// no newline\n\n\"\"\"#"))
    }
}
