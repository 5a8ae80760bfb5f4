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
