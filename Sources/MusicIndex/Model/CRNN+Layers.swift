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
                // M_j [c_out, rows * pairs] = U_j [c_out, c_in * 3] X_j; the output transform
                // pools pairs and rows, adds the bias and applies ReLU.
                let pairs = convolvedWidth / 2, depth = block.channelsIn * 3
                let pooledHeight = convolvedHeight / 2
                let stripRows = Self.winogradStripRows(channelsIn: block.channelsIn, pairs: pairs)
                let last = index == blocks.count - 1
                let destination = last ? workspace.gruInput + n * plan.steps : output
                let rowStride = last ? plan.batch * plan.steps : pairs
                var first = 0
                while first < 2 * pooledHeight {
                    let end = min(2 * pooledHeight, first + stripRows), columns = (end - first) * pairs
                    Self.winogradExpand(input, channels: block.channelsIn, height: height, width: width,
                                        rows: first..<end, into: workspace.columns)
                    block.winogradWeights.withUnsafeBufferPointer { weights in
                        for j in 0..<4 {
                            BLAS.gemm(m: block.channelsOut, n: columns, k: depth,
                                      a: weights.baseAddress! + j * block.channelsOut * depth, lda: depth,
                                      b: workspace.columns + j * depth * columns, ldb: columns,
                                      c: workspace.convolved + j * block.channelsOut * columns, ldc: columns)
                        }
                    }
                    block.bias.withUnsafeBufferPointer { bias in
                        Self.winogradPoolBiasReLU(workspace.convolved, channels: block.channelsOut, rows: end - first,
                                                  pairs: pairs, bias: bias.baseAddress!, into: destination,
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

    /// Output rows per strip of a Winograd convolution: an even number (pools take row pairs),
    /// at least 2, such that a strip's four transformed inputs take about 384 KB.
    static func winogradStripRows(channelsIn: Int, pairs: Int) -> Int {
        max(2, (96 * 1024 / max(1, 12 * channelsIn * pairs)) / 2 * 2)
    }

    /// The four transformed inputs of a Winograd F(2,3) convolution along the time axis (3x3
    /// kernel, padding 1, stride 1) of an image [channels, height, width], for the output rows
    /// `rows`: X_j [channels * 3, rows.count * pairs] (pairs = width / 2, floor), product j's
    /// input, X_j after X_(j-1). For output pixels (y, 2t) and (y, 2t + 1), with d0...d3 the
    /// padded input row y + dy - 1 at columns 2t - 1 ... 2t + 2 of channel c, row (c * 3 + dy),
    /// column (y - rows.lowerBound) * pairs + t of X_0...X_3 holds d0 - d2, d1 + d2, d2 - d1 and
    /// d1 - d3; the products with the transformed kernel rows (`Block.winogradWeights`) give
    /// the two outputs as m0 + m1 + m2 and m1 - m2 - m3. A column past an odd width's last pair
    /// is never needed: 2x2 pooling drops it.
    static func winogradExpand(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                               rows: Range<Int>, into expanded: UnsafeMutablePointer<Float>) {
        let pairs = width / 2, columns = rows.count * pairs, depth = channels * 3
        let productStride = depth * columns
        // One input row with 16 zeros either side (and up to 8 pairs' worth more on the right),
        // so that eight pairs at a time load without bounds checks.
        let blocks = (pairs + 7) / 8
        let paddedLength = 16 + max(width, 16 * blocks + 2) + 16
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: paddedLength)
        defer { padded.deallocate() }
        padded.initialize(repeating: 0, count: paddedLength)
        let p = padded + 16
        for channel in 0..<channels {
            // Input row yy is kernel row dy of output row yy + 1 - dy: up to three lines of
            // each product take its transformed values.
            for yy in (rows.lowerBound - 1)...rows.upperBound {
                var lines = (expanded, expanded, expanded), lineCount = 0
                for dy in 0..<3 {
                    let y = yy + 1 - dy
                    guard rows.contains(y) else { continue }
                    let line = expanded + (channel * 3 + dy) * columns + (y - rows.lowerBound) * pairs
                    switch lineCount {
                    case 0: lines.0 = line
                    case 1: lines.1 = line
                    default: lines.2 = line
                    }
                    lineCount += 1
                }
                guard yy >= 0 && yy < height else {
                    // A padding row.
                    for k in 0..<lineCount {
                        let line = k == 0 ? lines.0 : k == 1 ? lines.1 : lines.2
                        for j in 0..<4 { (line + j * productStride).update(repeating: 0, count: pairs) }
                    }
                    continue
                }
                p.update(from: input + (channel * height + yy) * width, count: width)
                // Pairs t0 ..< t0 + 8: d0 = p[2t - 1] (odd values from 2t0 - 2), d1 = p[2t] and
                // d2 = p[2t + 1] (from 2t0), d3 = p[2t + 2] (even values from 2t0 + 2).
                for block in 0..<blocks {
                    let x = 16 * block, t0 = 8 * block
                    let before = UnsafeRawPointer(p + x - 2).loadUnaligned(as: SIMD16<Float>.self)
                    let here = UnsafeRawPointer(p + x).loadUnaligned(as: SIMD16<Float>.self)
                    let after = UnsafeRawPointer(p + x + 2).loadUnaligned(as: SIMD16<Float>.self)
                    let d0 = before.oddHalf, d1 = here.evenHalf, d2 = here.oddHalf, d3 = after.evenHalf
                    let values = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
                    @inline(__always) func store(_ line: UnsafeMutablePointer<Float>) {
                        if t0 + 8 <= pairs {
                            let raw = UnsafeMutableRawPointer(line + t0)
                            let stride = productStride * MemoryLayout<Float>.stride
                            raw.storeBytes(of: values.0, as: SIMD8<Float>.self)
                            raw.storeBytes(of: values.1, toByteOffset: stride, as: SIMD8<Float>.self)
                            raw.storeBytes(of: values.2, toByteOffset: 2 * stride, as: SIMD8<Float>.self)
                            raw.storeBytes(of: values.3, toByteOffset: 3 * stride, as: SIMD8<Float>.self)
                        } else {
                            for lane in 0..<(pairs - t0) {
                                line[t0 + lane] = values.0[lane]
                                line[productStride + t0 + lane] = values.1[lane]
                                line[2 * productStride + t0 + lane] = values.2[lane]
                                line[3 * productStride + t0 + lane] = values.3[lane]
                            }
                        }
                    }
                    if lineCount > 0 { store(lines.0) }
                    if lineCount > 1 { store(lines.1) }
                    if lineCount > 2 { store(lines.2) }
                }
            }
        }
    }

    /// The output transform of a strip's Winograd products with 2x2 max pooling, bias and
    /// ReLU: from M_0...M_3 [channels, rows * pairs] (one after the other, `rows` even) to
    /// pooled rows `firstPooledRow ..< firstPooledRow + rows / 2` of `pooledHeight`, as
    /// `poolBiasReLU` writes them. Output pair t of a row is (m0 + m1 + m2, m1 - m2 - m3), and
    /// its maximum is the pool's maximum along time, so the convolution output itself is never
    /// stored.
    static func winogradPoolBiasReLU(_ products: UnsafePointer<Float>, channels: Int, rows: Int, pairs: Int,
                                     bias: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>,
                                     firstPooledRow: Int, pooledHeight: Int, rowStride: Int) {
        let columns = rows * pairs, productStride = channels * columns
        let m0 = products, m1 = products + productStride, m2 = products + 2 * productStride,
            m3 = products + 3 * productStride
        for channel in 0..<channels {
            let shift = bias[channel]
            for y in 0..<(rows / 2) {
                let out = destination + (channel * pooledHeight + firstPooledRow + y) * rowStride
                let top = channel * columns + 2 * y * pairs, bottom = top + pairs
                var t = 0
                @inline(__always) func load(_ m: UnsafePointer<Float>, _ index: Int) -> SIMD8<Float> {
                    UnsafeRawPointer(m + index).loadUnaligned(as: SIMD8<Float>.self)
                }
                // (The standard library's generic pointwiseMax is not inlined here.)
                @inline(__always) func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
                    a.replacing(with: b, where: b .> a)
                }
                while t + 8 <= pairs {
                    let a = top + t, b = bottom + t
                    let (a0, a1, a2, a3) = (load(m0, a), load(m1, a), load(m2, a), load(m3, a))
                    let (b0, b1, b2, b3) = (load(m0, b), load(m1, b), load(m2, b), load(m3, b))
                    let upper = larger(a0 + a1 + a2, a1 - a2 - a3)
                    let lower = larger(b0 + b1 + b2, b1 - b2 - b3)
                    let pooled = larger(larger(upper, lower) + shift, SIMD8(repeating: 0))
                    UnsafeMutableRawPointer(out + t).storeBytes(of: pooled, as: SIMD8<Float>.self)
                    t += 8
                }
                while t < pairs {
                    let a = top + t, b = bottom + t
                    let upper = max(m0[a] + m1[a] + m2[a], m1[a] - m2[a] - m3[a])
                    let lower = max(m0[b] + m1[b] + m2[b], m1[b] - m2[b] - m3[b])
                    out[t] = max(max(upper, lower) + shift, 0)
                    t += 1
                }
            }
        }
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
        weightIH.withUnsafeBufferPointer { weight in
            BLAS.gemm(transposeA: true, transposeB: true, m: rows, n: gates, k: inputSize,
                      a: workspace.gruInput, lda: rows, b: weight.baseAddress!, ldb: inputSize,
                      beta: 1, c: workspace.inputGates, ldc: gates)
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
