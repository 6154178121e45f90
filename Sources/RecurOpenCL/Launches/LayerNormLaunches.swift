// Launches of Kernels/layer_norm.cl. Each struct's stored properties mirror its kernel's signature,
// in order (OpenCL `int` is Int32 here); `arguments` lists them in that order. The row kernels run
// one work-group of `width` work-items per row (`Reduction.rowWidth`), each taking `unitWidth`
// columns at a time (`LayerNormKernels.unitWidth`, the file's RECUR_UNIT_WIDTH).

/// `layer_norm_rows`: normalises each row, with a gain. Range (L * rows), local (L).
struct LayerNormRows: KernelLaunch {
    static let kernel = KernelName.layerNormRows

    var x: ViewArgument           // (N, W)
    var gain: ViewArgument        // (1, W)
    var normalized: ViewArgument  // (N, W)
    var output: ViewArgument      // (N, W), may be x
    var deviation: ViewArgument   // (1, N)
    var rows, cols: Int32
    var epsilon: Float
    var width = Reduction.width
    var unitWidth: Int

    var arguments: [KernelArgument] {
        x.arguments + gain.vectorArguments + normalized.arguments + output.arguments + deviation.vectorArguments
            + [.int32(rows), .int32(cols), .float(epsilon), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * Int(rows)] }
    var localSize: [Int]? { [width] }
    var defines: [String: String] { LayerNormKernels.defines(unitWidth: unitWidth) }
}

/// `layer_norm_backward_rows`: the normalisation's backward to its input. Range (L * rows), local (L).
struct LayerNormBackwardRows: KernelLaunch {
    static let kernel = KernelName.layerNormBackwardRows

    var gradient: ViewArgument    // (N, W)
    var normalized: ViewArgument  // (N, W)
    var deviation: ViewArgument   // (1, N)
    var gain: ViewArgument        // (1, W)
    var dx: ViewArgument          // (N, W), may be gradient
    var rows, cols: Int32
    var width = Reduction.width
    var unitWidth: Int

    var arguments: [KernelArgument] {
        gradient.arguments + normalized.arguments + deviation.vectorArguments + gain.vectorArguments + dx.arguments
            + [.int32(rows), .int32(cols), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * Int(rows)] }
    var localSize: [Int]? { [width] }
    var defines: [String: String] { LayerNormKernels.defines(unitWidth: unitWidth) }
}

/// `sum_row_product_chunks`: the first pass of the column sums of a product (the gains'
/// gradients); `SumRows` over the partials is the second. Range (ceil(cols / 16), chunks).
struct SumRowProductChunks: KernelLaunch {
    static let kernel = KernelName.sumRowProductChunks

    var a, b: ViewArgument        // (N, W)
    var rows, cols: Int32
    var chunkRows: Int32
    var partials: Buffer          // (chunks, W)

    private var chunks: Int { (Int(rows) + Int(chunkRows) - 1) / Int(chunkRows) }

    var arguments: [KernelArgument] {
        a.arguments + b.arguments + [.int32(rows), .int32(cols), .int32(chunkRows),
                                     .view(partials, offset: 0, rows: Int32(chunks), cols: cols, ld: cols)]
    }
    var globalSize: [Int] { [(Int(cols) + 15) / 16, chunks] }
}

/// `layer_norm_lstm_forward`: one step of the layer-normalised LSTM. Range (L * B), local (L).
struct LayerNormLSTMForward: KernelLaunch {
    static let kernel = KernelName.layerNormLstmForward

    var xPart, hPart: ViewArgument          // (B, 4H)
    var biasIH, biasHH: ViewArgument         // (1, 4H), or stand-ins when hasBias is 0
    var hasBias: Int32
    var cellGain, cellBias: ViewArgument     // (1, H)
    var epsilon: Float
    var hPrev, hNext, cPrev, cNext, output: ViewArgument  // (B, H)
    var saved: ViewArgument                  // (B, 6H + 1), or a stand-in when hasSaved is 0
    var hasSaved: Int32
    var lengths: LengthsArgument
    var time, batch, hidden: Int32
    var width = Reduction.width
    var unitWidth: Int

    var arguments: [KernelArgument] {
        xPart.arguments + hPart.arguments + biasIH.vectorArguments + biasHH.vectorArguments + [.int32(hasBias)]
            + cellGain.vectorArguments + cellBias.vectorArguments + [.float(epsilon)]
            + hPrev.arguments + hNext.arguments + cPrev.arguments + cNext.arguments + output.arguments
            + saved.arguments + [.int32(hasSaved)] + lengths.arguments
            + [.int32(time), .int32(batch), .int32(hidden), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * Int(batch)] }
    var localSize: [Int]? { [width] }
    var defines: [String: String] { LayerNormKernels.defines(unitWidth: unitWidth) }
}

/// `layer_norm_lstm_backward`: its backward. Range (L * B), local (L).
struct LayerNormLSTMBackward: KernelLaunch {
    static let kernel = KernelName.layerNormLstmBackward

    var saved: ViewArgument                  // (B, 6H + 1)
    var dGates: ViewArgument                 // (B, 4H), may lie over saved
    var cPrev: ViewArgument                  // (B, H)
    var cellGain: ViewArgument               // (1, H)
    var dhNext, dcNext: ViewArgument         // (B, H)
    var dOutput: ViewArgument                // (B, H), or a stand-in when hasDOutput is 0
    var hasDOutput: Int32
    var dCell, dhPrev, dcPrev: ViewArgument  // (B, H)
    var lengths: LengthsArgument
    var time, batch, hidden: Int32
    var width = Reduction.width
    var unitWidth: Int

    var arguments: [KernelArgument] {
        saved.arguments + dGates.arguments + cPrev.arguments + cellGain.vectorArguments + dhNext.arguments
            + dcNext.arguments + dOutput.arguments + [.int32(hasDOutput)] + dCell.arguments + dhPrev.arguments
            + dcPrev.arguments + lengths.arguments + [.int32(time), .int32(batch), .int32(hidden), .local(bytes: width * 4)]
    }
    var globalSize: [Int] { [width * Int(batch)] }
    var localSize: [Int]? { [width] }
    var defines: [String: String] { LayerNormKernels.defines(unitWidth: unitWidth) }
}

/// The row kernels' vector width: columns a work-item takes at a time (RECUR_UNIT_WIDTH).
enum LayerNormKernels {
    /// 1 on GPUs, where a row's work-items are the lanes. On CPU devices a row is one work-item, and
    /// its loops run vectors as wide as the SIMD the driver reports (CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT:
    /// POCL 16 with AVX-512, 8 with AVX2), clamped to 8 or 16. A driver that reports 1 (Intel's CPU
    /// runtime, llvmpipe) vectorises across work-items itself and keeps the scalar loops it was
    /// qualified with. Measured on POCL (AMD EPYC with AVX-512, 64 x 512 LN-LSTM, device time per
    /// launch, scalar / float8 / float16): `layer_norm_lstm_forward` 790 / 133 / 111 us,
    /// `layer_norm_rows` (64 x 2048) 410 / 116 / 98, `layer_norm_backward_rows` - / 188 / 114,
    /// `layer_norm_lstm_backward` - / 136 / 75.
    static func unitWidth(for device: Device) -> Int {
        guard device.kind == .cpu, device.preferredFloatVectorWidth > 1 else { return 1 }
        return device.preferredFloatVectorWidth >= 16 ? 16 : 8
    }

    static func defines(unitWidth: Int) -> [String: String] { ["RECUR_UNIT_WIDTH": String(unitWidth)] }
}
