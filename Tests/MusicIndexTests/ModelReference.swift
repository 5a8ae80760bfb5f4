import Foundation
@testable import MusicIndex

/// A naive, obviously-correct forward pass of the genre network, written straight from
/// training/MODEL_FORMAT.md and PyTorch's layer definitions, in Double: the convolution as
/// its defining sum, BatchNorm unfolded, the GRU one scalar at a time. The engine's folding,
/// im2col, GEMMs and batching are checked against it.
struct ReferenceCRNN {
    let network: TestNetwork
    let weights: [String: [Float]]

    /// A [channels, height, width] image.
    struct Image {
        var channels: Int, height: Int, width: Int
        var values: [Double]
        subscript(c: Int, y: Int, x: Int) -> Double {
            get { values[(c * height + y) * width + x] }
            set { values[(c * height + y) * width + x] = newValue }
        }
    }

    func w(_ name: String) -> [Double] { weights[name]!.map(Double.init) }

    /// Logits, embedding and probabilities of one mel dB segment [nMels, frames].
    func run(_ segment: FeatureMatrix) -> (logits: [Double], embedding: [Double], probabilities: [Double]) {
        let mean = Double(network.mean), std = Double(network.std)
        var image = Image(channels: 1, height: segment.rows, width: segment.columns,
                          values: segment.values.map { (Double($0) - mean) / std })
        for (index, channelsOut) in network.channels.enumerated() {
            image = block(index, image, channelsOut: channelsOut)
        }
        // x_t[c * M + m] = out[c, m, t]
        let steps = image.width
        let inputs: [[Double]] = (0..<steps).map { t in
            var x: [Double] = []
            for c in 0..<image.channels { for m in 0..<image.height { x.append(image[c, m, t]) } }
            return x
        }
        let embedding = gru(inputs)
        let fcWeight = w("fc.weight"), fcBias = w("fc.bias")
        let h = network.hidden
        let logits = (0..<network.labels.count).map { label in
            fcBias[label] + (0..<h).reduce(0) { $0 + fcWeight[label * h + $1] * embedding[$1] }
        }
        let largest = logits.max()!
        let exponentials = logits.map { Foundation.exp($0 - largest) }
        let total = exponentials.reduce(0, +)
        return (logits, embedding, exponentials.map { $0 / total })
    }

    /// Conv2d (zero padding, stride 1) -> BatchNorm2d (running statistics) -> ReLU -> MaxPool2d (floor).
    func block(_ index: Int, _ input: Image, channelsOut: Int) -> Image {
        let k = network.kernel, p = network.padding, pool = network.pool
        let prefix = "blocks.\(index)."
        let weight = w(prefix + "conv.weight"), bias = w(prefix + "conv.bias")
        let gamma = w(prefix + "bn.weight"), beta = w(prefix + "bn.bias")
        let runningMean = w(prefix + "bn.running_mean"), runningVar = w(prefix + "bn.running_var")
        let height = input.height + 2 * p - k + 1, width = input.width + 2 * p - k + 1
        var convolved = Image(channels: channelsOut, height: height, width: width,
                              values: [Double](repeating: 0, count: channelsOut * height * width))
        for co in 0..<channelsOut {
            for y in 0..<height {
                for x in 0..<width {
                    var sum = bias[co]
                    for ci in 0..<input.channels {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let sy = y + ky - p, sx = x + kx - p
                                guard sy >= 0, sy < input.height, sx >= 0, sx < input.width else { continue }
                                sum += weight[((co * input.channels + ci) * k + ky) * k + kx] * input[ci, sy, sx]
                            }
                        }
                    }
                    let normalised = (sum - runningMean[co]) / (runningVar[co] + network.eps).squareRoot() * gamma[co] + beta[co]
                    convolved[co, y, x] = max(normalised, 0)
                }
            }
        }
        var pooled = Image(channels: channelsOut, height: height / pool, width: width / pool,
                           values: [Double](repeating: 0, count: channelsOut * (height / pool) * (width / pool)))
        for c in 0..<channelsOut {
            for y in 0..<pooled.height {
                for x in 0..<pooled.width {
                    var m = -Double.infinity
                    for dy in 0..<pool { for dx in 0..<pool { m = max(m, convolved[c, y * pool + dy, x * pool + dx]) } }
                    pooled[c, y, x] = m
                }
            }
        }
        return pooled
    }

    /// PyTorch's GRU from h = 0 over `inputs`; the mean of the states.
    func gru(_ inputs: [[Double]]) -> [Double] {
        let h = network.hidden
        let wih = w("gru.weight_ih_l0"), whh = w("gru.weight_hh_l0"), bih = w("gru.bias_ih_l0"), bhh = w("gru.bias_hh_l0")
        let f = inputs[0].count
        func ih(_ row: Int, _ x: [Double]) -> Double { bih[row] + (0..<f).reduce(0) { $0 + wih[row * f + $1] * x[$1] } }
        func hh(_ row: Int, _ state: [Double]) -> Double { bhh[row] + (0..<h).reduce(0) { $0 + whh[row * h + $1] * state[$1] } }
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        var state = [Double](repeating: 0, count: h)
        var sum = [Double](repeating: 0, count: h)
        for x in inputs {
            var next = state
            for j in 0..<h {
                let r = sigmoid(ih(j, x) + hh(j, state))
                let z = sigmoid(ih(h + j, x) + hh(h + j, state))
                let n = Foundation.tanh(ih(2 * h + j, x) + r * hh(2 * h + j, state))
                next[j] = (1 - z) * n + z * state[j]
            }
            state = next
            for j in 0..<h { sum[j] += state[j] }
        }
        return sum.map { $0 / Double(inputs.count) }
    }
}

/// The largest difference between `actual` and `expected`, relative to the largest magnitude
/// in `expected` (at least 1e-3, so vectors near zero are not judged on noise).
func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "\(actual.count) values vs \(expected.count)")
    let scale = max(expected.map(abs).max() ?? 0, 1e-3)
    return zip(actual, expected).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
}

func relativeError(_ actual: [Float], _ expected: [Float]) -> Double {
    relativeError(actual, expected.map(Double.init))
}
