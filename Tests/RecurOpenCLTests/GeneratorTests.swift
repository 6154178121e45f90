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

    /// `#include "x.cl"` expands in place, once per program, between `#line` directives that keep
    /// the file names and line numbers real; cycles, unknown files, the prepended common.cl and
    /// `<...>` includes are errors.
    @Test func includesExpandOnceWithLineDirectives() throws {
        let files = [
            "units.cl": "// units\nunit\n",
            "cell.cl": "#include \"units.cl\"\ncell\n",
            "kernel.cl": "#define W 8\n#include \"cell.cl\"\n  #  include \"units.cl\"  // again\nkernel\n",
        ]
        let expander = IncludeExpander(files: files, prepended: "common.cl")
        #expect(try expander.expand("kernel.cl") == """
            #line 1 "Kernels/kernel.cl"
            #define W 8
            #line 1 "Kernels/cell.cl"
            #line 1 "Kernels/units.cl"
            // units
            unit
            #line 2 "Kernels/cell.cl"
            cell
            #line 3 "Kernels/kernel.cl"
            #line 4 "Kernels/kernel.cl"
            kernel

            """)
        func fails(_ files: [String: String], _ message: String) {
            #expect(throws: ScanError.self, "\(message)") {
                try IncludeExpander(files: files, prepended: "common.cl").expand("a.cl")
            }
        }
        fails(["a.cl": "#include \"b.cl\"\n", "b.cl": "#include \"a.cl\"\n"], "a cycle")
        fails(["a.cl": "#include \"missing.cl\"\n"], "an unknown file")
        fails(["a.cl": "#include \"common.cl\"\n", "common.cl": ""], "the prepended file")
        fails(["a.cl": "#include <stdio.h>\n"], "a system include")
        fails(["a.cl": "#include \"b.cl\" x\n", "b.cl": ""], "text after the name")
    }
}
