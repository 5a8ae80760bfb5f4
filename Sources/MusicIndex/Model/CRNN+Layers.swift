internal import CKernels
import Foundation

/// The layers of `CRNN.forward`: convolution blocks, the GRU, the classifier.
extension CRNN {
    /// Runs the convolution blocks on segment `n`, whose normalised image is in
    /// `workspace.activationA`, and writes the last block's output into the GRU input matrix.
    func convolve(segment n: Int, plan: Plan, workspace: Workspace) {
        let kernel = architecture.convKernel, padding = architecture.convPadding, pool = architecture.pool
        var input = workspace.activationA, output = workspace.activationB
        for (index, block) in blocks.enumerated() {
            let (height, width) = plan.inputSizes[index]
            let (convolvedHeight, convolvedWidth) = plan.convolvedSizes[index]
            let area = convolvedHeight * convolvedWidth
            let patchRows = block.channelsIn * kernel * kernel
            if block.usesDirect(architecture) {
                // One input channel: the convolution summed directly, eight pooled columns per
                // SIMD pass, over the input split into even and odd columns once.
                let last = index == blocks.count - 1
                Self.directConvolvePool(input, height: height, width: width, block: block, scratch: workspace.columns,
                                        into: last ? workspace.gruInput + n * plan.steps : output,
                                        rowStride: last ? plan.batch * plan.steps : convolvedWidth / 2)
                swap(&input, &output)
                continue
            }
            if block.usesWinograd(architecture) {
                // Strips of output rows, so that each strip's transformed inputs stay in the
                // cache for the products that read them. Product j of a strip:
                // M_j [c_out, rows * quads] = U_j [c_out, c_in * 3] X_j; the output transform
                // pools pairs of columns and of rows, adds the bias and applies ReLU.
                let quads = Self.winogradQuads(width: convolvedWidth), depth = block.channelsIn * 3
                let pooledHeight = convolvedHeight / 2
                let stripRows = Self.winogradStripRows(channelsIn: block.channelsIn, quads: quads)
                let last = index == blocks.count - 1
                let destination = last ? workspace.gruInput + n * plan.steps : output
                let rowStride = last ? plan.batch * plan.steps : convolvedWidth / 2
                var first = 0
                while first < 2 * pooledHeight {
                    let end = min(2 * pooledHeight, first + stripRows), columns = (end - first) * quads
                    if Self.ownProductKernel {
                        // Each input row transformed once; the products read its three kernel
                        // rows' lines in place.
                        let lines = (end - first + 2) * quads
                        Self.winogradTransform(input, channels: block.channelsIn, height: height, width: width,
                                               rows: first..<end, into: workspace.columns)
                        block.winogradWeights.withUnsafeBufferPointer { weights in
                            for j in 0..<6 {
                                _ = musicindex_sgemm_grouped(
                                    0, block.channelsOut, columns, depth,
                                    weights.baseAddress! + j * block.channelsOut * depth, depth,
                                    workspace.columns + j * block.channelsIn * lines, lines, 3, quads,
                                    workspace.convolved + j * block.channelsOut * columns, columns)
                            }
                        }
                    } else {
                        Self.winogradExpand(input, channels: block.channelsIn, height: height, width: width,
                                            rows: first..<end, into: workspace.columns)
                        block.winogradWeights.withUnsafeBufferPointer { weights in
                            for j in 0..<6 {
                                Self.product(m: block.channelsOut, n: columns, k: depth,
                                             a: weights.baseAddress! + j * block.channelsOut * depth, lda: depth,
                                             b: workspace.columns + j * depth * columns, ldb: columns,
                                             c: workspace.convolved + j * block.channelsOut * columns, ldc: columns)
                            }
                        }
                    }
                    block.bias.withUnsafeBufferPointer { bias in
                        Self.winogradPoolBiasReLU(workspace.convolved, channels: block.channelsOut, rows: end - first,
                                                  width: convolvedWidth, bias: bias.baseAddress!, into: destination,
                                                  firstPooledRow: first / 2, pooledHeight: pooledHeight,
                                                  rowStride: rowStride)
                    }
                    first = end
                }
                swap(&input, &output)
                continue
            }
            if block.usesRowProducts(kernel: kernel) {
                // Output pixel (y, x) of kernel row dy reads expanded row (c, dx) at padded
                // image row y + dy, column x: the expanded matrix from column dy * width' on,
                // [c_in * k, height' * width'], so the k row products add up to the convolution.
                let rowLength = block.channelsIn * kernel
                let paddedHeight = height + 2 * padding
                Self.rowExpand(input, channels: block.channelsIn, height: height, width: width, kernel: kernel,
                               padding: padding, into: workspace.columns)
                block.rowWeights.withUnsafeBufferPointer { weights in
                    for dy in 0..<kernel {
                        BLAS.gemm(m: block.channelsOut, n: area, k: rowLength,
                                  a: weights.baseAddress! + dy * block.channelsOut * rowLength, lda: rowLength,
                                  b: workspace.columns + dy * convolvedWidth, ldb: paddedHeight * convolvedWidth,
                                  beta: dy == 0 ? 0 : 1, c: workspace.convolved, ldc: area)
                    }
                }
            } else {
                // A 1x1 unpadded convolution's im2col matrix is the input itself.
                let columns: UnsafePointer<Float>
                if kernel == 1 && padding == 0 {
                    columns = UnsafePointer(input)
                } else {
                    Self.im2col(input, channels: block.channelsIn, height: height, width: width, kernel: kernel,
                                padding: padding, into: workspace.columns)
                    columns = UnsafePointer(workspace.columns)
                }
                block.weight.withUnsafeBufferPointer { weight in
                    BLAS.gemm(m: block.channelsOut, n: area, k: patchRows, a: weight.baseAddress!, lda: patchRows,
                              b: columns, ldb: area, c: workspace.convolved, ldc: area)
                }
            }
            block.bias.withUnsafeBufferPointer { bias in
                if index == blocks.count - 1 {
                    // Row c * M + m of X [F, N * T'], columns n * T' ..< (n + 1) * T'.
                    Self.poolBiasReLU(workspace.convolved, channels: block.channelsOut, height: convolvedHeight,
                                      width: convolvedWidth, pool: pool, bias: bias.baseAddress!,
                                      into: workspace.gruInput + n * plan.steps, rowStride: plan.batch * plan.steps)
                } else {
                    Self.poolBiasReLU(workspace.convolved, channels: block.channelsOut, height: convolvedHeight,
                                      width: convolvedWidth, pool: pool, bias: bias.baseAddress!,
                                      into: output, rowStride: convolvedWidth / pool)
                }
            }
            swap(&input, &output)
        }
    }

    /// Whether `product` runs musicindex's own kernel (AVX-512F) rather than OpenBLAS.
    static let ownProductKernel = musicindex_sgemm_available() != 0

    /// C = op(A) B, or C + op(A) B when `accumulate`, all row-major (op(A) [m, k], stored
    /// [k, m] when `transposeA`; B [k, n]; C [m, n]), for the convolutions' Winograd products
    /// and the GRU's gate projections: musicindex's own AVX-512 kernel where the processor has
    /// AVX-512F (these products are small enough that OpenBLAS's packing costs more than it
    /// saves, and OpenBLAS may be told to use narrower kernels), OpenBLAS otherwise.
    static func product(transposeA: Bool = false, accumulate: Bool = false, m: Int, n: Int, k: Int,
                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        c: UnsafeMutablePointer<Float>, ldc: Int) {
        if ownProductKernel
            && musicindex_sgemm(transposeA ? 1 : 0, accumulate ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc) != 0 {
            return
        }
        BLAS.gemm(transposeA: transposeA, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: accumulate ? 1 : 0,
                  c: c, ldc: ldc)
    }

    /// im2col for a stride-1 convolution: from an image [channels, height, width] to the
    /// matrix [channels * kernel * kernel, convolvedHeight * convolvedWidth] whose row
    /// (c, dy, dx) holds the input pixel (y + dy - padding, x + dx - padding) of channel c
    /// for every output pixel (y, x), zero outside the image. Rows are filled by contiguous
    /// copies of image rows.
    static func im2col(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, kernel: Int,
                       padding: Int, into columns: UnsafeMutablePointer<Float>) {
        let convolvedHeight = height + 2 * padding - kernel + 1
        let convolvedWidth = width + 2 * padding - kernel + 1
        let area = convolvedHeight * convolvedWidth
        var row = 0
        for channel in 0..<channels {
            let plane = input + channel * height * width
            for dy in 0..<kernel {
                for dx in 0..<kernel {
                    let destination = columns + row * area
                    // Output columns x whose source column x + dx - padding is inside the image.
                    let first = min(convolvedWidth, max(0, padding - dx))
                    let end = max(first, min(convolvedWidth, width - dx + padding))
                    for y in 0..<convolvedHeight {
                        let sourceRow = y + dy - padding
                        fillLine(destination + y * convolvedWidth, count: convolvedWidth,
                                 from: sourceRow >= 0 && sourceRow < height ? plane + sourceRow * width : nil,
                                 shift: dx - padding, first: first, end: end)
                    }
                    row += 1
                }
            }
        }
    }

    /// One line of an im2col or row-expanded matrix: `count` values, value x = row[x + shift]
    /// for x in first..<end and zero elsewhere; all zero when `row` is nil (a padding row).
    @inline(__always)
    private static func fillLine(_ line: UnsafeMutablePointer<Float>, count: Int, from row: UnsafePointer<Float>?,
                                 shift: Int, first: Int, end: Int) {
        guard let row else {
            line.update(repeating: 0, count: count)
            return
        }
        line.update(repeating: 0, count: first)
        (line + first).update(from: row + (first + shift), count: end - first)
        (line + end).update(repeating: 0, count: count - end)
    }

    /// The row expansion of an image [channels, height, width] for a stride-1 convolution: the
    /// matrix [channels * kernel, (height + 2 * padding) * convolvedWidth] whose row (c, dx)
    /// holds, for every padded image row yy and output column x, the input pixel
    /// (yy - padding, x + dx - padding) of channel c, zero outside the image. A kernel-row
    /// offset of dy * convolvedWidth columns then gives kernel row dy's im2col rows.
    static func rowExpand(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, kernel: Int,
                          padding: Int, into expanded: UnsafeMutablePointer<Float>) {
        let convolvedWidth = width + 2 * padding - kernel + 1
        let paddedHeight = height + 2 * padding
        let rowLength = paddedHeight * convolvedWidth
        var row = 0
        for channel in 0..<channels {
            let plane = input + channel * height * width
            for dx in 0..<kernel {
                let destination = expanded + row * rowLength
                let first = min(convolvedWidth, max(0, padding - dx))
                let end = max(first, min(convolvedWidth, width - dx + padding))
                for yy in 0..<paddedHeight {
                    let sourceRow = yy - padding
                    fillLine(destination + yy * convolvedWidth, count: convolvedWidth,
                             from: sourceRow >= 0 && sourceRow < height ? plane + sourceRow * width : nil,
                             shift: dx - padding, first: first, end: end)
                }
                row += 1
            }
        }
    }

    /// Floats of `directConvolvePool`'s scratch for an input of `height` x `width`.
    static func directScratchCount(height: Int, width: Int) -> Int {
        (height + 2) * 2 * directPhaseLength(width: width)
    }

    /// Floats per phase line: the (width + 2) / 2 values a phase of a padded row has, rounded
    /// up to whole SIMD vectors plus one vector of zeros that full-vector loads may reach.
    private static func directPhaseLength(width: Int) -> Int {
        ((width + 2) / 2 + 1 + 7) / 8 * 8 + 8
    }

    /// A one-channel 3x3 convolution (padding 1, stride 1) with 2x2 max pooling, the folded
    /// bias and ReLU, summed directly: pooled row (c, y) goes to `destination + (c *
    /// pooledHeight + y) * rowStride`, as `poolBiasReLU` writes it.
    ///
    /// Each padded input row P (P[q] = input[q − 1], 0 outside) is split once into its even
    /// and odd columns, E[j] = P[2j] and O[j] = P[2j + 1]. Output column 2j then reads
    /// E[j], O[j], E[j + 1] and column 2j + 1 reads O[j], E[j + 1], O[j + 1]: contiguous in j
    /// for both, so the two columns of each pool, and the two rows, are four SIMD sums of nine
    /// products each, and the pool is their elementwise maximum. An im2col product for one
    /// input channel would have depth 9 only, write the whole unpooled output and read it back.
    static func directConvolvePool(_ input: UnsafePointer<Float>, height: Int, width: Int, block: Block,
                                   scratch: UnsafeMutablePointer<Float>,
                                   into destination: UnsafeMutablePointer<Float>, rowStride: Int) {
        typealias V = SIMD8<Float>
        let pooledHeight = height / 2, pooledWidth = width / 2
        let line = directPhaseLength(width: width)
        scratch.update(repeating: 0, count: directScratchCount(height: height, width: width))
        // Padded row p = input row p − 1: E at p * 2 * line, O at p * 2 * line + line.
        for y in 0..<height {
            let row = input + y * width
            let even = scratch + (y + 1) * 2 * line, odd = even + line
            var column = 0
            while column + 16 <= width {
                let values = UnsafeRawPointer(row + column).loadUnaligned(as: SIMD16<Float>.self)
                // Input column 2k is P[2k + 1] = O[k]; column 2k + 1 is P[2k + 2] = E[k + 1].
                UnsafeMutableRawPointer(odd + column / 2).storeBytes(of: values.evenHalf, as: V.self)
                UnsafeMutableRawPointer(even + column / 2 + 1).storeBytes(of: values.oddHalf, as: V.self)
                column += 16
            }
            while column < width {
                if column % 2 == 0 { odd[column / 2] = row[column] } else { even[column / 2 + 1] = row[column] }
                column += 1
            }
        }
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func larger(_ a: V, _ b: V) -> V { a.replacing(with: b, where: b .> a) }
        let channels = block.channelsOut
        block.weight.withUnsafeBufferPointer { weights in
            block.bias.withUnsafeBufferPointer { bias in
                for y in 0..<pooledHeight {
                    var j = 0
                    while j < pooledWidth {
                        // Padded rows 2y ... 2y + 3: E[j], O[j], E[j + 1], O[j + 1] of each.
                        let rows = scratch + 2 * y * 2 * line + j
                        let (e00, o00, e10, o10) = (load(rows), load(rows + line), load(rows + 1), load(rows + line + 1))
                        let r1 = rows + 2 * line
                        let (e01, o01, e11, o11) = (load(r1), load(r1 + line), load(r1 + 1), load(r1 + line + 1))
                        let r2 = r1 + 2 * line
                        let (e02, o02, e12, o12) = (load(r2), load(r2 + line), load(r2 + 1), load(r2 + line + 1))
                        let r3 = r2 + 2 * line
                        let (e03, o03, e13, o13) = (load(r3), load(r3 + line), load(r3 + 1), load(r3 + line + 1))
                        for c in 0..<channels {
                            let w = weights.baseAddress! + 9 * c
                            @inline(__always) func tap(_ k: Int) -> V { V(repeating: w[k]) }
                            let (w00, w01, w02) = (tap(0), tap(1), tap(2))
                            let (w10, w11, w12) = (tap(3), tap(4), tap(5))
                            let (w20, w21, w22) = (tap(6), tap(7), tap(8))
                            let topEven = (w00 * e00 + w01 * o00 + w02 * e10) + (w10 * e01 + w11 * o01 + w12 * e11)
                                + (w20 * e02 + w21 * o02 + w22 * e12)
                            let topOdd = (w00 * o00 + w01 * e10 + w02 * o10) + (w10 * o01 + w11 * e11 + w12 * o11)
                                + (w20 * o02 + w21 * e12 + w22 * o12)
                            let bottomEven = (w00 * e01 + w01 * o01 + w02 * e11) + (w10 * e02 + w11 * o02 + w12 * e12)
                                + (w20 * e03 + w21 * o03 + w22 * e13)
                            let bottomOdd = (w00 * o01 + w01 * e11 + w02 * o11) + (w10 * o02 + w11 * e12 + w12 * o12)
                                + (w20 * o03 + w21 * e13 + w22 * o13)
                            let pooled = larger(larger(larger(topEven, topOdd), larger(bottomEven, bottomOdd))
                                                + V(repeating: bias[c]), V())
                            let out = destination + (c * pooledHeight + y) * rowStride + j
                            if j + 8 <= pooledWidth {
                                UnsafeMutableRawPointer(out).storeBytes(of: pooled, as: V.self)
                            } else {
                                for lane in 0..<(pooledWidth - j) { out[lane] = pooled[lane] }
                            }
                        }
                        j += 8
                    }
                }
            }
        }
    }

    /// Output quads of a Winograd F(4,3) row `width` wide: four outputs each, as many as cover
    /// the floor(width / 2) pooled columns (a last quad may cover one pool only).
    static func winogradQuads(width: Int) -> Int { (width / 2 + 1) / 2 }

    /// Output rows per strip of a Winograd convolution: an even number (pools take row pairs),
    /// at least 2, such that a strip's six transformed inputs take about 384 KB.
    static func winogradStripRows(channelsIn: Int, quads: Int) -> Int {
        max(2, (96 * 1024 / max(1, 18 * channelsIn * quads)) / 2 * 2)
    }

    /// The six transformed inputs of a Winograd F(4,3) convolution along the time axis (3x3
    /// kernel, padding 1, stride 1) of an image [channels, height, width], for the output rows
    /// `rows`: X_j [channels * 3, rows.count * quads] (`winogradQuads`), product j's input, X_j
    /// after X_(j-1). For output pixels (y, 4t ... 4t + 3), with d0 ... d5 the padded input row
    /// y + dy - 1 at columns 4t - 1 ... 4t + 4 of channel c, row (c * 3 + dy), column
    /// (y - rows.lowerBound) * quads + t of X_0 ... X_5 holds 4 d0 - 5 d2 + d4,
    /// d3 + d4 - 4 (d1 + d2), 4 (d1 - d2) + d4 - d3, 2 (d3 - d1) + d4 - d2,
    /// 2 (d1 - d3) + d4 - d2 and 4 d1 - 5 d3 + d5 (B^T d); the products with the transformed
    /// kernel rows (`Block.winogradWeights`) give the four outputs as A^T m
    /// (`winogradPoolBiasReLU`). Columns past floor(width / 2) pairs are never needed: 2x2
    /// pooling drops them. The loops are C (`musicindex_winograd4_expand`), whose vector
    /// shuffles Swift does not generate well.
    static func winogradExpand(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                               rows: Range<Int>, into expanded: UnsafeMutablePointer<Float>) {
        let count = musicindex_winograd4_scratch_count(width, rows.count)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { scratch.deallocate() }
        musicindex_winograd4_expand(input, channels, height, width, rows.lowerBound, rows.upperBound, expanded, scratch)
    }

    /// The transformed inputs of `winogradExpand` without repeating each input row for its
    /// three kernel rows: T_0 ... T_5 [channels, rows.count + 2, quads], line r of channel c
    /// being padded input row rows.lowerBound - 1 + r (zeros outside the image). Row
    /// (c * 3 + dy) of X_j is T_j from line dy of channel c on; the products read it there
    /// (`musicindex_sgemm_grouped`), a third of `winogradExpand`'s writes.
    static func winogradTransform(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                                  rows: Range<Int>, into transformed: UnsafeMutablePointer<Float>) {
        let count = musicindex_winograd4_scratch_count(width, rows.count)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { scratch.deallocate() }
        musicindex_winograd4_transform(input, channels, height, width, rows.lowerBound, rows.upperBound, transformed,
                                       scratch)
    }

    /// The output transform of a strip's Winograd F(4,3) products with 2x2 max pooling, bias
    /// and ReLU: from M_0 ... M_5 [channels, rows * quads] (one after the other, `rows` even)
    /// of a `width`-wide convolution to pooled rows `firstPooledRow ..< firstPooledRow + rows / 2`
    /// of `pooledHeight`, as `poolBiasReLU` writes them. The outputs of quad t are
    /// m0 + m1 + m2 + m3 + m4, m1 - m2 + 2 (m3 - m4), m1 + m2 + 4 (m3 + m4) and
    /// m1 - m2 + 8 (m3 - m4) + m5 (A^T m), and the maxima of their pairs are the pools' maxima
    /// along time, so the convolution output itself is never stored.
    static func winogradPoolBiasReLU(_ products: UnsafePointer<Float>, channels: Int, rows: Int, width: Int,
                                     bias: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                     firstPooledRow: Int, pooledHeight: Int, rowStride: Int) {
        musicindex_winograd4_pool(products, channels, rows, width, bias, destination, firstPooledRow, pooledHeight,
                                  rowStride)
    }

    /// Max pooling (size = stride = `pool`, floor), then the per-channel bias and ReLU, from
    /// [channels, height, width] to rows of `rowStride` floats: pooled row (c, y) goes to
    /// `destination + (c * pooledHeight + y) * rowStride`. Adding a constant and ReLU are
    /// monotone, so they commute with the max and run on the pooled values only.
    static func poolBiasReLU(_ source: UnsafePointer<Float>, channels: Int, height: Int, width: Int, pool: Int,
                             bias: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, rowStride: Int) {
        let pooledHeight = height / pool, pooledWidth = width / pool
        for channel in 0..<channels {
            let shift = bias[channel]
            for y in 0..<pooledHeight {
                let out = destination + (channel * pooledHeight + y) * rowStride
                let top = source + (channel * height + y * pool) * width
                if pool == 2 {
                    let bottom = top + width
                    for x in 0..<pooledWidth {
                        let m = max(max(top[2 * x], top[2 * x + 1]), max(bottom[2 * x], bottom[2 * x + 1]))
                        out[x] = max(m + shift, 0)
                    }
                } else {
                    for x in 0..<pooledWidth {
                        var m = -Float.infinity
                        for dy in 0..<pool {
                            let line = top + dy * width + x * pool
                            for dx in 0..<pool { m = max(m, line[dx]) }
                        }
                        out[x] = max(m + shift, 0)
                    }
                }
            }
        }
    }

    /// The GRU over every segment's T' steps, from a zero state; leaves the mean of the
    /// states in `workspace.embedding` [N, H].
    func recur(plan: Plan, workspace: Workspace) {
        let h = hidden, gates = 3 * hidden, batch = plan.batch, steps = plan.steps
        let rows = batch * steps
        // G_i [N * T', 3H] = bias + X^T W_ih^T: every input projection in one SGEMM.
        inputBias.withUnsafeBufferPointer { bias in
            for row in 0..<rows { (workspace.inputGates + row * gates).update(from: bias.baseAddress!, count: gates) }
        }
        if let gateWeights = transposedGateWeights {
            gateWeights.input.withUnsafeBufferPointer { weight in
                Self.product(transposeA: true, accumulate: true, m: rows, n: gates, k: inputSize,
                             a: workspace.gruInput, lda: rows, b: weight.baseAddress!, ldb: gates,
                             c: workspace.inputGates, ldc: gates)
            }
        } else {
            weightIH.withUnsafeBufferPointer { weight in
                BLAS.gemm(transposeA: true, transposeB: true, m: rows, n: gates, k: inputSize,
                          a: workspace.gruInput, lda: rows, b: weight.baseAddress!, ldb: inputSize,
                          beta: 1, c: workspace.inputGates, ldc: gates)
            }
        }
        workspace.state.update(repeating: 0, count: batch * h)
        workspace.embedding.update(repeating: 0, count: batch * h)
        weightHH.withUnsafeBufferPointer { weightHH in
            newGateHiddenBias.withUnsafeBufferPointer { hiddenBias in
                for t in 0..<steps {
                    let hiddenGates = workspace.hiddenGates
                    if t == 0 {
                        hiddenGates.update(repeating: 0, count: batch * gates)  // W_hh * 0
                    } else if batch == 1 {
                        BLAS.gemv(m: gates, n: h, a: weightHH.baseAddress!, lda: h, x: workspace.state, y: hiddenGates)
                    } else if let gateWeights = transposedGateWeights {
                        gateWeights.hidden.withUnsafeBufferPointer { weight in
                            Self.product(m: batch, n: gates, k: h, a: workspace.state, lda: h,
                                         b: weight.baseAddress!, ldb: gates, c: hiddenGates, ldc: gates)
                        }
                    } else {
                        BLAS.gemm(transposeB: true, m: batch, n: gates, k: h, a: workspace.state, lda: h,
                                  b: weightHH.baseAddress!, ldb: h, c: hiddenGates, ldc: gates)
                    }
                    for n in 0..<batch {
                        Self.gruCell(inputGates: workspace.inputGates + (n * steps + t) * gates,
                                     hiddenGates: hiddenGates + n * gates, hiddenBias: hiddenBias.baseAddress!,
                                     state: workspace.state + n * h, next: workspace.nextState + n * h,
                                     sum: workspace.embedding + n * h, hidden: h)
                    }
                    swap(&workspace.state, &workspace.nextState)
                }
            }
        }
        let scale = Float(steps)
        for i in 0..<batch * h { workspace.embedding[i] /= scale }
    }

    /// One GRU update for one segment (PyTorch's gate order r, z, n); adds h' to `sum`.
    /// `inputGates` already holds the r and z hidden biases; `hiddenBias` is b_hn. Eight units
    /// at a time with the vectorised sigmoid and tanh (`VectorMath8`), the rest one by one.
    @inline(__always)
    static func gruCell(inputGates gi: UnsafePointer<Float>, hiddenGates gh: UnsafePointer<Float>,
                        hiddenBias: UnsafePointer<Float>, state: UnsafePointer<Float>,
                        next: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>, hidden h: Int) {
        @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
        }
        var j = 0
        while j + 8 <= h {
            let r = VectorMath8.sigmoid(load(gi + j) + load(gh + j))
            let z = VectorMath8.sigmoid(load(gi + h + j) + load(gh + h + j))
            let candidate = VectorMath8.tanh(load(gi + 2 * h + j) + r * (load(gh + 2 * h + j) + load(hiddenBias + j)))
            let value = (1 - z) * candidate + z * load(state + j)
            store(value, next + j)
            store(load(sum + j) + value, sum + j)
            j += 8
        }
        while j < h {
            let r = sigmoid(gi[j] + gh[j])
            let z = sigmoid(gi[h + j] + gh[h + j])
            let candidate = tanh(gi[2 * h + j] + r * (gh[2 * h + j] + hiddenBias[j]))
            let value = (1 - z) * candidate + z * state[j]
            next[j] = value
            sum[j] += value
            j += 1
        }
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// Logits (one SGEMM over the batch) and softmax probabilities per segment.
    func classify(plan: Plan, workspace: Workspace) -> [Output] {
        let batch = plan.batch, labels = labelCount
        fcBias.withUnsafeBufferPointer { bias in
            for n in 0..<batch { (workspace.logits + n * labels).update(from: bias.baseAddress!, count: labels) }
        }
        fcWeight.withUnsafeBufferPointer { weight in
            BLAS.gemm(transposeB: true, m: batch, n: labels, k: hidden, a: workspace.embedding, lda: hidden,
                      b: weight.baseAddress!, ldb: hidden, beta: 1, c: workspace.logits, ldc: labels)
        }
        return (0..<batch).map { n in
            let logits = Array(UnsafeBufferPointer(start: workspace.logits + n * labels, count: labels))
            let embedding = Array(UnsafeBufferPointer(start: workspace.embedding + n * hidden, count: hidden))
            return Output(logits: logits, embedding: embedding, probabilities: Self.softmax(logits))
        }
    }

    /// exp(x - max) / sum: never overflows.
    static func softmax(_ logits: [Float]) -> [Float] {
        guard let largest = logits.max() else { return [] }
        let exponentials = logits.map { exp($0 - largest) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }
}
