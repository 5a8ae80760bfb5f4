import CKernels
import Foundation
import Testing
@testable import MusicIndex

/// The engine's forward pass against the naive reference (`ReferenceCRNN`) on random
/// weights, and its batching, input checks, track summaries and thread safety.
@Suite("Model inference")
struct ModelInferenceTests {
    /// Networks covering the engine's paths: the contract's default shape (3x3 same
    /// convolutions, 2x2 pools) small and medium, a 5x5 kernel with too little padding and
    /// 3x3 pools (sizes shrink and floor differently), and 1x1 convolutions without pooling
    /// (im2col skipped), and deeper blocks that run as Winograd products.
    static let networks: [String: TestNetwork] = [
        "tiny": TestNetwork(channels: [2, 3], hidden: 4, labels: ["rock", "jazz", "folk"], nMels: 8),
        "medium": TestNetwork(channels: [4, 8, 8], hidden: 16, labels: (0..<5).map { "genre\($0)" }, nMels: 32),
        "k5-pool3": TestNetwork(channels: [3, 2], kernel: 5, padding: 1, pool: 3, hidden: 6, labels: ["a", "b"], nMels: 20,
                                segmentFrames: 32),
        "1x1": TestNetwork(channels: [3], kernel: 1, padding: 0, pool: 1, hidden: 5, labels: ["a", "b", "c", "d"], nMels: 6),
        // Blocks 2 and 3 are deep enough (c_in * 3 >= 32) for the Winograd products.
        "wide": TestNetwork(channels: [12, 16, 11], hidden: 8, labels: ["a", "b", "c"], nMels: 24),
    ]

    /// Largest accepted relative difference to the reference (float32 engine vs double; the
    /// differences seen are about 2e-7).
    static let tolerance = 1e-5

    static func model(_ name: String, seed: UInt64 = 11) throws -> (GenreModel, TestNetwork, TestModelFile) {
        let network = networks[name]!
        let file = network.file(seed: seed)
        return (try GenreModel(data: file.bytes()), network, file)
    }

    @Test("the engine matches the naive reference within 1e-4",
          arguments: ["tiny", "medium", "k5-pool3", "1x1", "wide"], [16, 30, 57, 128])
    func matchesReference(name: String, frames: Int) throws {
        let (model, network, file) = try Self.model(name)
        let reference = ReferenceCRNN(network: network, weights: file.weights)
        // k5-pool3 needs 17 frames at least.
        let frames = max(frames, model.minimumFrames)
        let segments = network.segments(count: 3, frames: frames, seed: UInt64(frames))
        let predictions = try model.evaluate(segments)
        var worst = 0.0
        for (segment, prediction) in zip(segments, predictions) {
            let expected = reference.run(segment)
            worst = max(worst, relativeError(prediction.logits, expected.logits),
                        relativeError(prediction.embedding, expected.embedding),
                        relativeError(prediction.probabilities, expected.probabilities))
        }
        #expect(worst < Self.tolerance, "\(name), T = \(frames): relative error \(worst)")
    }

    @Test("the networks cover im2col, row products and Winograd products")
    func pathsCovered() throws {
        let (wide, _, _) = try Self.model("wide")
        let architecture = wide.network.architecture
        #expect(wide.network.blocks.map { $0.usesWinograd(architecture) } == [false, true, true])
        #expect(wide.network.blocks.map { $0.usesDirect(architecture) } == [true, false, false])
        let (k5, _, _) = try Self.model("k5-pool3")
        #expect(k5.network.blocks.allSatisfy { !$0.usesWinograd(k5.network.architecture) && !$0.usesDirect(k5.network.architecture) })
    }

    @Test("the one-channel block's direct sums give the convolution's outputs")
    func directMatchesDoubleSums() throws {
        // Even and odd widths and heights: eight pooled columns at a time, a partial last
        // vector, and images of one pooled row or column; against the sum in Double, pooled,
        // biased and rectified, written at a row stride wider than the row.
        var generator = SeededGenerator(seed: 9)
        let channelsOut = 6
        let weight = (0..<(channelsOut * 9)).map { _ in Float.random(in: -1...1, using: &generator) }
        let bias = (0..<channelsOut).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let block = CRNN.Block(channelsIn: 1, channelsOut: channelsOut, kernel: 3, weight: weight, bias: bias)
        for (height, width) in [(2, 2), (3, 5), (7, 16), (8, 17), (5, 33), (128, 128), (24, 57)] {
            let input = (0..<(height * width)).map { _ in Float.random(in: -2...2, using: &generator) }
            let pooledHeight = height / 2, pooledWidth = width / 2, stride = pooledWidth + 3
            var output = [Float](repeating: .nan, count: channelsOut * pooledHeight * stride)
            var scratch = [Float](repeating: .nan, count: CRNN.directScratchCount(height: height, width: width))
            CRNN.directConvolvePool(input, height: height, width: width, block: block, scratch: &scratch,
                                    into: &output, rowStride: stride)
            for c in 0..<channelsOut {
                for y in 0..<pooledHeight {
                    for t in 0..<pooledWidth {
                        var best = -Double.infinity
                        for (oy, ox) in [(2 * y, 2 * t), (2 * y, 2 * t + 1), (2 * y + 1, 2 * t), (2 * y + 1, 2 * t + 1)] {
                            var sum = 0.0
                            for dy in 0..<3 {
                                for dx in 0..<3 {
                                    let iy = oy + dy - 1, ix = ox + dx - 1
                                    guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                                    sum += Double(weight[(c * 3 + dy) * 3 + dx]) * Double(input[iy * width + ix])
                                }
                            }
                            best = max(best, sum)
                        }
                        let expected = max(best + Double(bias[c]), 0)
                        let actual = Double(output[(c * pooledHeight + y) * stride + t])
                        #expect(abs(actual - expected) <= 1e-5 * max(1, abs(expected)),
                                "\(height)x\(width) c \(c) y \(y) t \(t): \(actual) vs \(expected)")
                    }
                    // Nothing is written past the pooled row.
                    for t in pooledWidth..<stride {
                        #expect(output[(c * pooledHeight + y) * stride + t].isNaN, "\(height)x\(width): column \(t) written")
                    }
                }
            }
        }
    }

    @Test("Winograd products give the direct convolution's outputs")
    func winogradMatchesDirect() throws {
        // One block (c_in 16, c_out 5) on images of even and odd widths (eight quads at a time,
        // single ones, a last quad with one pool only) and heights, against the direct sum in
        // Double, pooled, biased and rectified.
        var generator = SeededGenerator(seed: 5)
        let channelsIn = 16, channelsOut = 5
        let weight = (0..<(channelsOut * channelsIn * 9)).map { _ in Float.random(in: -1...1, using: &generator) }
        let bias = (0..<channelsOut).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let block = CRNN.Block(channelsIn: channelsIn, channelsOut: channelsOut, kernel: 3, weight: weight, bias: bias)
        for (height, width) in [(1, 2), (2, 9), (7, 16), (7, 17), (4, 3), (6, 41), (3, 64), (2, 70), (4, 75)] {
            let input = (0..<(channelsIn * height * width)).map { _ in Float.random(in: -2...2, using: &generator) }
            // Output rows 0 ..< 2 * (height / 2), in strips of two rows and in one.
            let pairs = width / 2, quads = CRNN.winogradQuads(width: width), rows = 2 * (height / 2)
            var output = [Float](repeating: .nan, count: channelsOut * (height / 2) * pairs)
            func run(_ range: Range<Int>) {
                let columns = range.count * quads
                var expanded = [Float](repeating: .nan, count: 6 * channelsIn * 3 * columns)
                var products = [Float](repeating: .nan, count: 6 * channelsOut * columns)
                CRNN.winogradExpand(input, channels: channelsIn, height: height, width: width, rows: range,
                                    into: &expanded)
                for j in 0..<6 {
                    for c in 0..<channelsOut {
                        for column in 0..<columns {
                            var sum: Float = 0
                            for k in 0..<(channelsIn * 3) {
                                sum += block.winogradWeights[(j * channelsOut + c) * channelsIn * 3 + k]
                                    * expanded[(j * channelsIn * 3 + k) * columns + column]
                            }
                            products[(j * channelsOut + c) * columns + column] = sum
                        }
                    }
                }
                CRNN.winogradPoolBiasReLU(products, channels: channelsOut, rows: range.count, width: width, bias: bias,
                                          into: &output, firstPooledRow: range.lowerBound / 2,
                                          pooledHeight: height / 2, rowStride: pairs)
            }
            for strip in [2, max(2, rows)] {
                output = [Float](repeating: .nan, count: output.count)
                for first in stride(from: 0, to: rows, by: strip) { run(first..<min(rows, first + strip)) }
                for c in 0..<channelsOut {
                    for y in 0..<(height / 2) {
                        for t in 0..<pairs {
                            // The rounding of a Winograd product scales with the magnitudes it
                            // sums: Σ |w x| over the window, the sum's condition.
                            var best = -Double.infinity, magnitude = 0.0
                            for (oy, ox) in [(2 * y, 2 * t), (2 * y, 2 * t + 1), (2 * y + 1, 2 * t), (2 * y + 1, 2 * t + 1)] {
                                var sum = 0.0, absolute = 0.0
                                for ci in 0..<channelsIn {
                                    for dy in 0..<3 {
                                        for dx in 0..<3 {
                                            let iy = oy + dy - 1, ix = ox + dx - 1
                                            guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                                            let term = Double(weight[((c * channelsIn + ci) * 3 + dy) * 3 + dx])
                                                * Double(input[(ci * height + iy) * width + ix])
                                            sum += term
                                            absolute += abs(term)
                                        }
                                    }
                                }
                                best = max(best, sum)
                                magnitude = max(magnitude, absolute)
                            }
                            let expected = max(best + Double(bias[c]), 0)
                            let actual = Double(output[(c * (height / 2) + y) * pairs + t])
                            #expect(abs(actual - expected) <= 1e-6 * max(1, magnitude),
                                    "\(height)x\(width) strips of \(strip) c \(c) y \(y) t \(t): \(actual) vs \(expected)")
                        }
                    }
                }
            }
        }
    }

    @Test("the Winograd kernels' dispatched and portable paths agree bit for bit")
    func winogradPathsAgree() {
        var generator = SeededGenerator(seed: 9)
        let channels = 6
        for (height, width) in [(5, 75), (4, 64), (3, 7)] {
            let input = (0..<(channels * height * width)).map { _ in Float.random(in: -3...3, using: &generator) }
            let quads = CRNN.winogradQuads(width: width), rows = 2 * (height / 2)
            let count = 6 * channels * 3 * rows * quads
            var dispatched = [Float](repeating: .nan, count: count), portable = dispatched
            var scratch = [Float](repeating: 0, count: musicindex_winograd4_scratch_count(width, rows))
            musicindex_winograd4_expand(input, channels, height, width, 0, rows, &dispatched, &scratch)
            musicindex_winograd4_expand_portable(input, channels, height, width, 0, rows, &portable, &scratch)
            #expect(dispatched.map(\.bitPattern) == portable.map(\.bitPattern), "expand \(height)x\(width)")
            let transformedCount = 6 * channels * (rows + 2) * quads
            var transformedDispatched = [Float](repeating: .nan, count: transformedCount)
            var transformedPortable = transformedDispatched
            musicindex_winograd4_transform(input, channels, height, width, 0, rows, &transformedDispatched, &scratch)
            musicindex_winograd4_transform_portable(input, channels, height, width, 0, rows, &transformedPortable,
                                                    &scratch)
            #expect(transformedDispatched.map(\.bitPattern) == transformedPortable.map(\.bitPattern),
                    "transform \(height)x\(width)")
            // The products' output transform on the same random products.
            let products = (0..<(6 * channels * rows * quads)).map { _ in Float.random(in: -3...3, using: &generator) }
            let bias = (0..<channels).map { _ in Float.random(in: -1...1, using: &generator) }
            let pooled = channels * (height / 2) * (width / 2)
            var pooledDispatched = [Float](repeating: .nan, count: pooled), pooledPortable = pooledDispatched
            musicindex_winograd4_pool(products, channels, rows, width, bias, &pooledDispatched, 0, height / 2, width / 2)
            musicindex_winograd4_pool_portable(products, channels, rows, width, bias, &pooledPortable, 0, height / 2,
                                               width / 2)
            #expect(pooledDispatched.map(\.bitPattern) == pooledPortable.map(\.bitPattern), "pool \(height)x\(width)")
            #expect(!pooledDispatched.contains { $0.isNaN }, "pool \(height)x\(width) left values unwritten")
        }
    }

    @Test("each input row transformed once holds the expanded rows of its three kernel rows; grouped products equal products over the copied rows bit for bit")
    func winogradTransformAndGroupedProducts() {
        var generator = SeededGenerator(seed: 13)
        let channelsOut = 11
        // 50 channels: a depth of 150 crosses the kernel's chunk of 126 (a multiple of 3).
        for (channels, height, width) in [(5, 6, 75), (5, 9, 64), (5, 3, 7), (5, 12, 130), (50, 4, 40)] {
            let input = (0..<(channels * height * width)).map { _ in Float.random(in: -3...3, using: &generator) }
            let quads = CRNN.winogradQuads(width: width), depth = channels * 3
            // Strips at the start, in the middle and at the end of the image.
            for rows in [0..<2, 2..<(2 * (height / 2)), 0..<(2 * (height / 2)), (2 * (height / 2) - 2)..<(2 * (height / 2))]
            where !rows.isEmpty {
                let columns = rows.count * quads, lines = (rows.count + 2) * quads
                var scratch = [Float](repeating: 0, count: musicindex_winograd4_scratch_count(width, rows.count))
                var expanded = [Float](repeating: .nan, count: 6 * depth * columns)
                var transformed = [Float](repeating: .nan, count: 6 * channels * lines)
                musicindex_winograd4_expand(input, channels, height, width, rows.lowerBound, rows.upperBound, &expanded,
                                            &scratch)
                musicindex_winograd4_transform(input, channels, height, width, rows.lowerBound, rows.upperBound,
                                               &transformed, &scratch)
                var same = true
                for j in 0..<6 {
                    for c in 0..<channels {
                        for dy in 0..<3 {
                            for column in 0..<columns {
                                let x = expanded[(j * depth + c * 3 + dy) * columns + column]
                                let t = transformed[(j * channels + c) * lines + dy * quads + column]
                                same = same && x.bitPattern == t.bitPattern
                            }
                        }
                    }
                }
                #expect(same, "\(height)x\(width) rows \(rows)")
                #expect(!transformed.contains { $0.isNaN }, "\(height)x\(width) rows \(rows): lines left unwritten")

                // Product j read in place equals the product over X_j.
                let weights = (0..<(channelsOut * depth)).map { _ in Float.random(in: -1...1, using: &generator) }
                for j in [0, 5] {
                    var grouped = [Float](repeating: .nan, count: channelsOut * (columns + 3))
                    var plain = grouped
                    let ran = transformed.withUnsafeBufferPointer { t in
                        musicindex_sgemm_grouped(0, channelsOut, columns, depth, weights, depth,
                                                 t.baseAddress! + j * channels * lines, lines, 3, quads, &grouped,
                                                 columns + 3)
                    }
                    #expect(ran == musicindex_sgemm_available())
                    guard ran != 0 else { continue }
                    expanded.withUnsafeBufferPointer { x in
                        _ = musicindex_sgemm(0, 0, channelsOut, columns, depth, weights, depth,
                                             x.baseAddress! + j * depth * columns, columns, &plain, columns + 3)
                    }
                    #expect(grouped.map(\.bitPattern) == plain.map(\.bitPattern), "\(height)x\(width) rows \(rows) j \(j)")
                }
            }
        }
        // Other group sizes are declined without touching C.
        var c: [Float] = [1]
        #expect(musicindex_sgemm_grouped(0, 1, 1, 2, [2, 2], 2, [3, 3], 1, 2, 1, &c, 1) == 0)
        #expect(c == [1])
    }

    @Test("the CRNN's products (own AVX-512 kernel or OpenBLAS) give Double sums' results and write only C")
    func productsMatchDoubleSums() {
        // Full and partial tiles in both directions (8 rows, 48 columns), depths from 0 to past
        // two chunks of 128, A as stored and transposed, C overwritten and added to, and strides
        // larger than the matrices: the padding must stay untouched.
        var generator = SeededGenerator(seed: 11)
        let shapes = [(32, 320, 48), (32, 256, 96), (32, 64, 96), (19, 150, 300), (8, 48, 1), (1, 1, 1), (7, 17, 5),
                      (13, 95, 33), (9, 49, 0), (16, 16, 300), (3, 130, 7), (40, 47, 64), (24, 96, 256)]
        for (m, n, k) in shapes {
            for transposeA in [false, true] {
                for accumulate in [false, true] {
                    let lda = (transposeA ? m : k) + 3, ldb = n + 5, ldc = n + 2
                    let a = (0..<((transposeA ? max(k, 1) : m) * lda)).map { _ in Float.random(in: -1...1, using: &generator) }
                    let b = (0..<(max(k, 1) * ldb)).map { _ in Float.random(in: -2...2, using: &generator) }
                    let start = (0..<(m * ldc)).map { $0 % ldc < n ? Float.random(in: -3...3, using: &generator) : .nan }
                    var c = start
                    CRNN.product(transposeA: transposeA, accumulate: accumulate, m: m, n: n, k: k, a: a, lda: lda,
                                 b: b, ldb: ldb, c: &c, ldc: ldc)
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<ldc {
                            let actual = c[i * ldc + j]
                            guard j < n else {
                                #expect(actual.isNaN, "\(m)x\(n)x\(k): padding (\(i), \(j)) written")
                                continue
                            }
                            var sum = accumulate ? Double(start[i * ldc + j]) : 0, magnitude = abs(sum)
                            for p in 0..<k {
                                let term = Double(transposeA ? a[p * lda + i] : a[i * lda + p]) * Double(b[p * ldb + j])
                                sum += term
                                magnitude += abs(term)
                            }
                            worst = max(worst, abs(Double(actual) - sum) / max(magnitude, 1e-30))
                        }
                    }
                    #expect(worst < 1e-6, "\(m)x\(n)x\(k) transposeA \(transposeA) accumulate \(accumulate): \(worst)")
                }
            }
        }
        // Without AVX-512F the kernel declines and leaves C as it was.
        var c: [Float] = [1]
        let ran = musicindex_sgemm(0, 1, 1, 1, 1, [2], 1, [3], 1, &c, 1)
        #expect(ran == musicindex_sgemm_available())
        #expect(c[0] == (ran == 0 ? 1 : 7))
        #expect(CRNN.ownProductKernel == (musicindex_sgemm_available() != 0))
    }

    @Test("the shortest accepted segment is the minimum; one frame less and wrong mel bands are refused")
    func inputChecks() throws {
        let (model, network, file) = try Self.model("medium")
        #expect(model.minimumFrames == 8)
        let shortest = network.segments(count: 1, frames: 8, seed: 1)
        let prediction = try model.evaluate(shortest)[0]
        let expected = ReferenceCRNN(network: network, weights: file.weights).run(shortest[0])
        #expect(relativeError(prediction.logits, expected.logits) < Self.tolerance)

        let mixed = network.segments(count: 2, frames: 16, seed: 2) + network.segments(count: 1, frames: 7, seed: 3)
        #expect(throws: ModelInputError.tooFewFrames(segment: 2, minimum: 8, found: 7)) { try model.evaluate(mixed) }
        let wrongBands = [FeatureMatrix(rows: 31, columns: 16, repeating: -20)]
        #expect(throws: ModelInputError.wrongMelBands(segment: 0, expected: 32, found: 31)) { try model.evaluate(wrongBands) }
        #expect(try model.evaluate([]).isEmpty)
        #expect(Self.networks["k5-pool3"].map { try! GenreModel(data: $0.file(seed: 1).bytes()).minimumFrames } == 17)
    }

    @Test("a batch gives the results of one segment at a time, whatever the batch size")
    func batchingIsTransparent() throws {
        let (model, network, _) = try Self.model("medium")
        let segments = network.segments(count: 9, frames: 40, seed: 5)
        let single = try segments.map { try model.evaluate([$0])[0] }
        for batchSize in [1, 2, 4, 32] {
            let batched = try model.evaluate(segments, batchSize: batchSize)
            for (a, b) in zip(batched, single) {
                #expect(relativeError(a.logits, b.logits) < 1e-5, "batch size \(batchSize)")
                #expect(relativeError(a.embedding, b.embedding) < 1e-5, "batch size \(batchSize)")
            }
        }
        // Segments of different lengths in one call run in separate batches, in order.
        let mixed = [segments[0], network.segments(count: 1, frames: 17, seed: 6)[0], segments[1], segments[2]]
        let together = try model.evaluate(mixed)
        let apart = try mixed.map { try model.evaluate([$0])[0] }
        for (a, b) in zip(together, apart) { #expect(relativeError(a.probabilities, b.probabilities) < 1e-5) }
    }

    @Test("silence and constant input give finite probabilities that sum to 1")
    func flatInput() throws {
        let (model, _, _) = try Self.model("medium")
        for level: Float in [-80, 0, -40] {
            let prediction = try model.evaluate([FeatureMatrix(rows: 32, columns: 128, repeating: level)])[0]
            #expect(prediction.probabilities.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
            #expect(abs(prediction.probabilities.reduce(0, +) - 1) < 1e-5)
            #expect(prediction.embedding.count == 16 && prediction.embedding.allSatisfy { abs($0) < 1 })
        }
    }

    @Test("softmax is stable for huge logits")
    func stableSoftmax() {
        let probabilities = CRNN.softmax([1000, 0, -1000, 1000])
        #expect(probabilities == [0.5, 0, 0, 0.5])
        #expect(CRNN.softmax([]).isEmpty)
    }

    @Test("a track's prediction is the mean of its segments' probabilities and embeddings")
    func trackPrediction() throws {
        let (model, network, _) = try Self.model("medium")
        let classifier = try GenreClassifier(model: model, frontEnd: network.features)
        let segments = network.segments(count: 5, frames: 128, seed: 9)
        let track = try classifier.classify(segments)
        let each = try model.evaluate(segments)
        #expect(track.timeline.count == 5)
        for (a, b) in zip(track.timeline, each.map(\.probabilities)) { #expect(relativeError(a, b) < 1e-6) }
        #expect(track.labels == network.labels)
        for label in 0..<5 {
            let mean = each.map { Double($0.probabilities[label]) }.reduce(0, +) / 5
            #expect(abs(Double(track.probabilities[label]) - mean) < 1e-6)
        }
        for j in 0..<16 {
            let mean = each.map { Double($0.embedding[j]) }.reduce(0, +) / 5
            #expect(abs(Double(track.embedding[j]) - mean) < 1e-6)
        }
        #expect(abs(track.probabilities.reduce(0, +) - 1) < 1e-5)
        let top = track.probabilities.indices.max { track.probabilities[$0] < track.probabilities[$1] }!
        #expect(track.topLabel == network.labels[top])
        #expect(track.ranked.first?.label == track.topLabel)
        #expect(track.ranked.map(\.probability) == track.ranked.map(\.probability).sorted(by: >))
        #expect(throws: ModelInputError.noSegments) { try classifier.classify([]) }
    }

    @Test("ties go to the first label")
    func ties() {
        let prediction = TrackPrediction(labels: ["a", "b", "c"], segments: [
            SegmentPrediction(logits: [0, 1, 1], embedding: [0], probabilities: [0.2, 0.4, 0.4]),
        ])
        #expect(prediction.topLabel == "b")
        #expect(prediction.ranked.map(\.label) == ["b", "c", "a"])
    }

    @Test("concurrent callers share one model and get the serial results")
    func concurrentCallers() async throws {
        let (model, network, _) = try Self.model("medium")
        let inputs = (0..<8).map { network.segments(count: 3, frames: 64, seed: 100 + UInt64($0)) }
        let serial = try inputs.map { try model.evaluate($0) }
        let parallel = try await withThrowingTaskGroup(of: (Int, [SegmentPrediction]).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, try model.evaluate(input)) }
            }
            var results = [[SegmentPrediction]](repeating: [], count: inputs.count)
            for try await (index, result) in group { results[index] = result }
            return results
        }
        // (Another test may change the BLAS thread count meanwhile, which may reorder sums.)
        for (a, b) in zip(parallel.joined(), serial.joined()) { #expect(relativeError(a.logits, b.logits) < 1e-6) }
    }

    @Test("more BLAS threads give the same results")
    func blasThreads() throws {
        let (model, network, _) = try Self.model("medium")
        let segments = network.segments(count: 4, frames: 128, seed: 12)
        let before = GenreModel.blasThreads
        let one = try model.evaluate(segments)
        GenreModel.setBLASThreads(2)
        let two = try model.evaluate(segments)
        GenreModel.setBLASThreads(before)
        #expect(GenreModel.blasThreads == before)
        for (a, b) in zip(one, two) { #expect(relativeError(a.logits, b.logits) < 1e-5) }
    }

    @Test("OpenBLAS runs its AVX-512 kernels on an AMD processor with AVX-512")
    func blasKernels() throws {
        // /proc/cpuinfo (Linux's view of the processor, which includes the operating
        // system's AVX-512 support) decides independently of the loader's CPUID checks.
        let kernels = GenreModel.blasKernels
        #expect(!kernels.isEmpty)
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        let lines = cpuinfo.split(separator: "\n")
        let vendor = lines.first { $0.hasPrefix("vendor_id") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces)
        let flags = Set(lines.first { $0.hasPrefix("flags") }?.split(separator: ":").last?
            .split(separator: " ").map(String.init) ?? [])
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        if vendor == "AuthenticAMD" && avx512 { #expect(kernels == "SkylakeX") }
    }

    @Test("the CRNN's products run musicindex's AVX-512 kernel exactly where the processor has AVX-512F")
    func productKernel() throws {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(flagLine.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
        #expect(GenreModel.productKernel == (flags.contains("avx512f") ? "musicindex AVX-512" : "OpenBLAS"))
    }
}
