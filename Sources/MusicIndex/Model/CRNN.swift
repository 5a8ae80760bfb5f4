import Foundation
import Synchronization

/// The genre network's forward pass in PyTorch `eval()` mode (training/MODEL_FORMAT.md,
/// "The network"), on weights prepared once at load time:
///
/// - each BatchNorm2d is folded into its convolution: with s = gamma / sqrt(var + eps),
///   W' = s * W and b' = s * (b - mean) + beta (computed in Double);
/// - the GRU's input-side biases absorb the hidden-side r and z biases (b_ir + b_hr,
///   b_iz + b_hz); b_hn stays apart because the reset gate multiplies it.
///
/// Computation for a batch of N segments of T frames (`forward`):
/// 1. per segment, per block: the convolution as SGEMMs, then max pooling, the folded bias
///    and ReLU in one pass (bias and ReLU commute with the max). A block with c_in * k >= 32
///    and the contract's 3x3 kernel, padding 1 and 2x2 pools runs as Winograd F(4,3) products
///    along the time axis (`winogradExpand`): six SGEMMs of depth c_in * 3 over a quarter of
///    the columns, half the direct multiplications, in strips of rows that stay in the
///    cache, with the pooling fused into the output transform (`winogradPoolBiasReLU`). On
///    the AVX-512 product kernel each input row is transformed once (`winogradTransform`)
///    and the products read its three kernel rows' lines in place; other
///    blocks with c_in * k >= 32 copy their input once per kernel column (`rowExpand`) and run
///    one SGEMM per kernel row, adding up; a one-channel 3x3 block with 2x2 pools (the first
///    block on a mel input) is summed directly in SIMD over its input split into even and
///    odd columns, pooling as it goes (`directConvolvePool`); any other shallower block runs
///    one SGEMM over the full im2col matrix, k times the copying but one deep product;
/// 2. the last block writes its [C, M, T'] output straight into the GRU input matrix
///    X [F, N * T'] (column n * T' + t holds x_t of segment n, channel-major);
/// 3. one SGEMM for the input projections of every step of every segment,
///    G_i = X^T W_ih^T + b [N * T', 3H];
/// 4. per step, one SGEMM [N, H] x W_hh^T (SGEMV for N = 1) and the gates, in PyTorch's order:
///    r = sigma(W_ir x + b_ir + W_hr h + b_hr), z = sigma(W_iz x + b_iz + W_hz h + b_hz),
///    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h, from h = 0;
/// 5. embedding = mean of the T' states; logits = fc(embedding) as one SGEMM; softmax.
///
/// Thread safety: the weights are immutable after `init`; every call takes a `Workspace` of
/// its own (a spare one from the last calls when one is large enough, else a new one), so any
/// number of threads may call `forward` at once, and a scan's workers do not allocate and
/// clear megabytes of buffers for every track.
final class CRNN: Sendable {
    /// One convolution block with its BatchNorm folded in.
    struct Block: Sendable {
        let channelsIn: Int
        let channelsOut: Int
        /// [channelsOut, channelsIn * k * k], row-major (PyTorch's [c_out, c_in, k, k]).
        let weight: [Float]
        /// The same weights by kernel row: [k][channelsOut, channelsIn * k], the product of
        /// kernel row dy with (c_in, dx) (see `convolve`).
        let rowWeights: [Float]
        /// For a 3-wide kernel, the weights of the Winograd F(4,3) products along the time axis
        /// (see `CRNN.winogradExpand`): [6][channelsOut, channelsIn * k], entry (c, ci * k + dy)
        /// of product j from kernel row (g0, g1, g2) = W[c, ci, dy, 0...2] as g0 / 4,
        /// -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6, (g0 + 2 g1 + 4 g2) / 24,
        /// (g0 - 2 g1 + 4 g2) / 24 and g2 (computed in Double); empty for other kernels.
        let winogradWeights: [Float]
        let bias: [Float]

        init(channelsIn: Int, channelsOut: Int, kernel: Int, weight: [Float], bias: [Float]) {
            self.channelsIn = channelsIn
            self.channelsOut = channelsOut
            self.weight = weight
            self.bias = bias
            var transformed = [Float]()
            if kernel == 3 {
                let size = channelsOut * channelsIn * kernel
                transformed = [Float](repeating: 0, count: 6 * size)
                for c in 0..<channelsOut {
                    for ci in 0..<channelsIn {
                        for dy in 0..<kernel {
                            let g = ((c * channelsIn + ci) * kernel + dy) * kernel
                            let (g0, g1, g2) = (Double(weight[g]), Double(weight[g + 1]), Double(weight[g + 2]))
                            let column = (c * channelsIn + ci) * kernel + dy
                            let values = [g0 / 4, -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6,
                                          (g0 + 2 * g1 + 4 * g2) / 24, (g0 - 2 * g1 + 4 * g2) / 24, g2]
                            for (j, value) in values.enumerated() { transformed[j * size + column] = Float(value) }
                        }
                    }
                }
            }
            winogradWeights = transformed
            var rows = [Float](repeating: 0, count: weight.count)
            let rowLength = channelsIn * kernel
            for dy in 0..<kernel {
                for c in 0..<channelsOut {
                    for ci in 0..<channelsIn {
                        for dx in 0..<kernel {
                            rows[(dy * channelsOut + c) * rowLength + ci * kernel + dx] =
                                weight[((c * channelsIn + ci) * kernel + dy) * kernel + dx]
                        }
                    }
                }
            }
            rowWeights = rows
        }

        /// Whether the convolution is summed directly (`CRNN.directConvolvePool`): one input
        /// channel (the first block on a mel input), the contract's 3x3 kernel with padding 1
        /// and 2x2 pools. Its im2col product would have depth 9 only.
        func usesDirect(_ architecture: CRNNArchitecture) -> Bool {
            channelsIn == 1 && architecture.convKernel == 3 && architecture.convPadding == 1 && architecture.pool == 2
        }

        /// Whether the convolution runs as one product per kernel row over a row-expanded input
        /// (`CRNN.rowExpand`) rather than one product over the full im2col matrix: when each
        /// row product still has a useful depth (c_in * k >= 32), for a k-times smaller copy.
        func usesRowProducts(kernel: Int) -> Bool { kernel > 1 && channelsIn * kernel >= 32 }

        /// Whether the convolution runs as Winograd F(4,3) products along the time axis with
        /// the 2x2 pooling fused into the output transform (`CRNN.winogradExpand`,
        /// `CRNN.winogradPoolBiasReLU`): a block that would use row products, with a 3x3
        /// kernel, padding 1 and 2x2 pools. Six products of the row products' depth over a
        /// quarter of the columns: half their multiplications.
        func usesWinograd(_ architecture: CRNNArchitecture) -> Bool {
            usesRowProducts(kernel: architecture.convKernel) && architecture.convKernel == 3
                && architecture.convPadding == 1 && architecture.pool == 2
        }
    }

    let architecture: CRNNArchitecture
    let melBands: Int
    let blocks: [Block]
    /// GRU input size F and hidden size H.
    let inputSize: Int
    let hidden: Int
    let labelCount: Int
    /// [3H, F] and [3H, H], gate blocks r, z, n.
    let weightIH: [Float]
    let weightHH: [Float]
    /// W_ih^T [F, 3H] and W_hh^T [H, 3H], the layout `product` reads, when it runs
    /// musicindex's own kernel; nil where the GRU uses OpenBLAS, which reads the weights as
    /// they are.
    let transposedGateWeights: (input: [Float], hidden: [Float])?
    /// b_ih + (b_hr, b_hz, 0), [3H].
    let inputBias: [Float]
    /// b_hn, [H].
    let newGateHiddenBias: [Float]
    /// [L, H] and [L].
    let fcWeight: [Float]
    let fcBias: [Float]
    /// Workspaces of finished calls, for the next ones (at most `spareLimit`).
    private let spares = Mutex<[Workspace]>([])
    private static let spareLimit = 8

    /// Prepares the weights of a checked model file.
    init(_ file: ModelFile) {
        let metadata = file.metadata
        let architecture = metadata.architecture
        func tensor(_ name: String) -> [Float] {
            guard let values = file.weights[name] else { preconditionFailure("ModelFile lacks \(name)") }
            return values
        }
        var blocks: [Block] = []
        var channelsIn = 1
        let patch = architecture.convKernel * architecture.convKernel
        for (index, channelsOut) in architecture.convChannels.enumerated() {
            let prefix = "blocks.\(index)."
            let weight = tensor(prefix + "conv.weight"), bias = tensor(prefix + "conv.bias")
            let gamma = tensor(prefix + "bn.weight"), beta = tensor(prefix + "bn.bias")
            let mean = tensor(prefix + "bn.running_mean"), variance = tensor(prefix + "bn.running_var")
            let rowLength = channelsIn * patch
            var folded = [Float](repeating: 0, count: channelsOut * rowLength)
            var foldedBias = [Float](repeating: 0, count: channelsOut)
            for c in 0..<channelsOut {
                let scale = Double(gamma[c]) / (Double(variance[c]) + architecture.batchNormEps).squareRoot()
                for i in 0..<rowLength { folded[c * rowLength + i] = Float(scale * Double(weight[c * rowLength + i])) }
                foldedBias[c] = Float(scale * (Double(bias[c]) - Double(mean[c])) + Double(beta[c]))
            }
            blocks.append(Block(channelsIn: channelsIn, channelsOut: channelsOut, kernel: architecture.convKernel,
                                weight: folded, bias: foldedBias))
            channelsIn = channelsOut
        }
        let hidden = architecture.gruHidden
        let biasIH = tensor("gru.bias_ih_l0"), biasHH = tensor("gru.bias_hh_l0")
        self.architecture = architecture
        self.melBands = metadata.features.nMels
        self.blocks = blocks
        self.inputSize = architecture.gruInputSize(nMels: metadata.features.nMels) ?? 0
        self.hidden = hidden
        self.labelCount = metadata.labels.count
        self.weightIH = tensor("gru.weight_ih_l0")
        self.weightHH = tensor("gru.weight_hh_l0")
        if Self.ownProductKernel {
            transposedGateWeights = (Self.transposed(weightIH, rows: 3 * hidden, columns: inputSize),
                                     Self.transposed(weightHH, rows: 3 * hidden, columns: hidden))
        } else {
            transposedGateWeights = nil
        }
        self.inputBias = (0..<3 * hidden).map { $0 < 2 * hidden ? biasIH[$0] + biasHH[$0] : biasIH[$0] }
        self.newGateHiddenBias = Array(biasHH[(2 * hidden)...])
        self.fcWeight = tensor("fc.weight")
        self.fcBias = tensor("fc.bias")
    }

    /// A row-major [rows, columns] matrix as [columns, rows].
    static func transposed(_ matrix: [Float], rows: Int, columns: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
            for r in 0..<rows {
                for c in 0..<columns { out[c * rows + r] = matrix[r * columns + c] }
            }
            count = rows * columns
        }
    }

    /// What the network makes of one segment.
    struct Output {
        var logits: [Float]
        var embedding: [Float]
        var probabilities: [Float]
    }

    /// Runs the network on `segments`, each [melBands, frames] mel dB (row-major), all of the
    /// same `frames` >= `architecture.minimumFrames` (the caller checks). The input is
    /// normalised as `(x - mean) / std` on the way in.
    func forward(_ segments: [UnsafeBufferPointer<Float>], frames: Int, mean: Float, std: Float) -> [Output] {
        precondition(frames >= architecture.minimumFrames, "segment of \(frames) frames is too short")
        let count = segments.count
        guard count > 0 else { return [] }
        let plan = Plan(self, frames: frames, batch: count)
        let workspace = takeWorkspace(for: plan)
        defer { returnWorkspace(workspace) }
        for (n, segment) in segments.enumerated() {
            precondition(segment.count == melBands * frames, "segment is not [\(melBands), \(frames)]")
            let image = workspace.activationA
            for i in 0..<segment.count { image[i] = (segment[i] - mean) / std }
            convolve(segment: n, plan: plan, workspace: workspace)
        }
        recur(plan: plan, workspace: workspace)
        return classify(plan: plan, workspace: workspace)
    }

    /// A spare workspace that fits `plan`, else a new one.
    private func takeWorkspace(for plan: Plan) -> Workspace {
        let spare = spares.withLock { spares -> Workspace? in
            guard let index = spares.firstIndex(where: { $0.fits(plan) }) else { return nil }
            return spares.remove(at: index)
        }
        return spare ?? Workspace(plan, network: self)
    }

    private func returnWorkspace(_ workspace: Workspace) {
        spares.withLock { spares in
            if spares.count < Self.spareLimit { spares.append(workspace) }
        }
    }

    /// The steps' sizes for one batch.
    struct Plan {
        /// Per block: input height and width, convolved height and width.
        var inputSizes: [(height: Int, width: Int)] = []
        var convolvedSizes: [(height: Int, width: Int)] = []
        /// Time steps T' after the blocks and mel bins M.
        let steps: Int
        let bins: Int
        let batch: Int
        /// Frames per segment.
        let frames: Int
        /// Largest im2col matrix, convolution output and activation, in floats.
        var columnsCapacity = 0
        var convolvedCapacity = 0
        var activationCapacity = 0

        init(_ network: CRNN, frames: Int, batch: Int) {
            let architecture = network.architecture
            var height = network.melBands, width = frames
            activationCapacity = height * width
            let patch = architecture.convKernel * architecture.convKernel
            for block in network.blocks {
                inputSizes.append((height, width))
                let convolvedHeight = height + 2 * architecture.convPadding - architecture.convKernel + 1
                let convolvedWidth = width + 2 * architecture.convPadding - architecture.convKernel + 1
                convolvedSizes.append((convolvedHeight, convolvedWidth))
                let area = convolvedHeight * convolvedWidth
                columnsCapacity = max(columnsCapacity, block.channelsIn * patch * area)
                // The row-expanded input: [c_in * k, (height + 2 * padding) * convolvedWidth].
                columnsCapacity = max(columnsCapacity, block.channelsIn * architecture.convKernel
                                      * (height + 2 * architecture.convPadding) * convolvedWidth)
                convolvedCapacity = max(convolvedCapacity, block.channelsOut * area)
                if block.usesDirect(architecture) {
                    columnsCapacity = max(columnsCapacity, CRNN.directScratchCount(height: height, width: width))
                }
                if block.usesWinograd(architecture) {
                    // A strip's six transformed inputs [c_in * 3, rows * quads] (or, each row
                    // once, the smaller [c_in, rows + 2, quads]) and six products
                    // [c_out, rows * quads].
                    let quads = CRNN.winogradQuads(width: convolvedWidth)
                    let rows = CRNN.winogradStripRows(channelsIn: block.channelsIn, quads: quads)
                    columnsCapacity = max(columnsCapacity, 6 * block.channelsIn * 3 * rows * quads)
                    convolvedCapacity = max(convolvedCapacity, 6 * block.channelsOut * rows * quads)
                }
                height = convolvedHeight / architecture.pool
                width = convolvedWidth / architecture.pool
                activationCapacity = max(activationCapacity, block.channelsOut * height * width)
            }
            self.bins = height
            self.steps = width
            self.batch = batch
            self.frames = frames
        }
    }

    /// One call's buffers. Every call writes what it reads (or clears it first), so a
    /// workspace from an earlier call serves a later one of the same segment length and at
    /// most the same batch size. Used by one call at a time (handed over under `spares`' lock).
    final class Workspace: @unchecked Sendable {
        /// Segment length and batch size the buffers were made for.
        let frames: Int
        let batch: Int
        /// The current block's input and output images (ping-pong).
        let activationA: UnsafeMutablePointer<Float>
        let activationB: UnsafeMutablePointer<Float>
        let columns: UnsafeMutablePointer<Float>
        let convolved: UnsafeMutablePointer<Float>
        /// GRU input X [F, N * T'] and input projections G_i [N * T', 3H].
        let gruInput: UnsafeMutablePointer<Float>
        let inputGates: UnsafeMutablePointer<Float>
        /// Hidden-side projections [N, 3H], states [N, H] (previous, next), state sums [N, H].
        let hiddenGates: UnsafeMutablePointer<Float>
        var state: UnsafeMutablePointer<Float>
        var nextState: UnsafeMutablePointer<Float>
        let embedding: UnsafeMutablePointer<Float>
        let logits: UnsafeMutablePointer<Float>
        private let buffers: [UnsafeMutablePointer<Float>]

        init(_ plan: Plan, network: CRNN) {
            func make(_ count: Int) -> UnsafeMutablePointer<Float> {
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
                buffer.initialize(repeating: 0, count: max(1, count))
                return buffer
            }
            let h = network.hidden, n = plan.batch
            frames = plan.frames
            batch = plan.batch
            activationA = make(plan.activationCapacity)
            activationB = make(plan.activationCapacity)
            columns = make(plan.columnsCapacity)
            convolved = make(plan.convolvedCapacity)
            gruInput = make(network.inputSize * n * plan.steps)
            inputGates = make(n * plan.steps * 3 * h)
            hiddenGates = make(n * 3 * h)
            state = make(n * h)
            nextState = make(n * h)
            embedding = make(n * h)
            logits = make(n * network.labelCount)
            buffers = [activationA, activationB, columns, convolved, gruInput, inputGates, hiddenGates,
                       state, nextState, embedding, logits]
        }

        deinit { for buffer in buffers { buffer.deallocate() } }

        /// Whether the buffers are large enough for `plan`.
        func fits(_ plan: Plan) -> Bool { plan.frames == frames && plan.batch <= batch }
    }
}
