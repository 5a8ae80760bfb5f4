import CKernels
import Testing
@testable import MusicIndex

/// The median onset strength (`OnsetStrength.onsetStrength(melDB:aggregate: .median)`, the C
/// kernel `musicindex_onset_median`) against the scalar Swift implementation it replaced,
/// bit for bit, and the kernel's processor-dispatched path against its portable one.
struct OnsetMedianKernelTests {
    // MARK: Reference: the scalar Swift median (the code the kernel replaced)

    static func referenceMedian(melDB: FeatureMatrix, lag: Int = 1, nFFT: Int = 2048, hopLength: Int = 512) -> [Float] {
        let bands = melDB.rows, frames = melDB.columns
        let delay = lag + nFFT / (2 * hopLength)
        var envelope = [Float](repeating: 0, count: frames)
        var increases = [Float](repeating: 0, count: bands)
        melDB.values.withUnsafeBufferPointer { S in
            for t in delay..<max(delay, frames) {
                let j = t - delay
                guard j + lag < frames else { break }
                var positives = 0
                for b in 0..<bands {
                    let increase = S[b * frames + j + lag] - S[b * frames + j]
                    increases[positives] = increase
                    positives += increase > 0 ? 1 : 0
                }
                envelope[t] = median(&increases, positives: positives, count: bands)
            }
        }
        return envelope
    }

    private static func median(_ values: inout [Float], positives: Int, count: Int) -> Float {
        let zeros = count - positives, middle = count / 2
        return values.withUnsafeMutableBufferPointer { buffer in
            let v = UnsafeMutableBufferPointer(rebasing: buffer[0..<positives])
            if count % 2 == 1 { return middle < zeros ? 0 : select(v, middle - zeros) }
            let lower: Float, upper: Float
            if middle < zeros {
                return 0
            } else if middle - 1 < zeros {
                lower = 0
                upper = v.min()!
            } else {
                lower = select(v, middle - 1 - zeros)
                var smallest = v[middle - zeros]
                for i in (middle - zeros + 1)..<positives { smallest = min(smallest, v[i]) }
                upper = smallest
            }
            return Float((Double(lower) + Double(upper)) / 2)
        }
    }

    private static func select(_ v: UnsafeMutableBufferPointer<Float>, _ k: Int) -> Float {
        var lo = 0, hi = v.count - 1
        while lo < hi {
            let a = v[lo], b = v[(lo + hi) / 2], c = v[hi]
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = lo, j = hi
            while i <= j {
                while v[i] < pivot { i += 1 }
                while v[j] > pivot { j -= 1 }
                if i <= j {
                    v.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return v[k] }
        }
        return v[k]
    }

    // MARK: Inputs

    /// Random dB values in -80...0 with some temporal smoothness (a clamped random walk per band).
    static func smoothDB(bands: Int, frames: Int, seed: UInt64) -> FeatureMatrix {
        var generator = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: bands * frames)
        for b in 0..<bands {
            var level = Float.random(in: -80...0, using: &generator)
            for t in 0..<frames {
                level = min(0, max(-80, level + Float.random(in: -6...6, using: &generator)))
                values[b * frames + t] = level
            }
        }
        return FeatureMatrix(rows: bands, columns: frames, values: values)
    }

    /// Whole dB values in -levels...0: many ties and many exact zero differences.
    static func quantisedDB(bands: Int, frames: Int, levels: Int, seed: UInt64) -> FeatureMatrix {
        var generator = SeededGenerator(seed: seed)
        let values = (0..<(bands * frames)).map { _ in -Float(Int.random(in: 0...levels, using: &generator)) }
        return FeatureMatrix(rows: bands, columns: frames, values: values)
    }

    /// Expects bit-for-bit equality of the envelope with the reference, for both delays that
    /// matter (librosa's defaults, delay lag + 2, and nFFT 2 / hop 2, delay lag).
    static func expectMatchesReference(_ melDB: FeatureMatrix, lags: [Int] = [1, 2],
                                       _ comment: @autoclosure () -> String,
                                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        for lag in lags {
            for (nFFT, hop) in [(2048, 512), (2, 2)] {
                let ours = try OnsetStrength.onsetStrength(melDB: melDB, lag: lag, nFFT: nFFT, hopLength: hop,
                                                           aggregate: .median)
                let reference = referenceMedian(melDB: melDB, lag: lag, nFFT: nFFT, hopLength: hop)
                #expect(ours.count == melDB.columns, sourceLocation: sourceLocation)
                let mismatch = zip(ours, reference).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }
                #expect(mismatch == nil,
                        "\(comment()) lag \(lag) nFFT \(nFFT): frame \(mismatch?.offset ?? -1) gives \(mismatch?.element.0 ?? 0), reference \(mismatch?.element.1 ?? 0)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: Tests

    @Test func randomMatricesOf128BandsMatchTheScalarMedian() throws {
        for frames in [1, 2, 3, 4, 5, 15, 16, 17, 18, 19, 31, 32, 33, 100, 1000 + 7] {
            let melDB = Self.smoothDB(bands: 128, frames: frames, seed: UInt64(frames))
            try Self.expectMatchesReference(melDB, "128 bands, \(frames) frames")
        }
    }

    @Test func bandCountsOnAndOffTheNetworkMatchTheScalarMedian() throws {
        for bands in [1, 2, 3, 4, 5, 7, 8, 16, 63, 64, 65, 100, 127, 128, 129, 200] {
            for frames in [10, 40, 307] {
                let melDB = Self.smoothDB(bands: bands, frames: frames, seed: UInt64(1000 * bands + frames))
                try Self.expectMatchesReference(melDB, "\(bands) bands, \(frames) frames")
            }
        }
    }

    @Test func tiesAndExactZerosMatchTheScalarMedian() throws {
        for bands in [1, 2, 3, 7, 64, 127, 128, 129] {
            for levels in [1, 2, 5, 40] {
                let melDB = Self.quantisedDB(bands: bands, frames: 211, levels: levels, seed: UInt64(bands * 100 + levels))
                try Self.expectMatchesReference(melDB, "\(bands) bands, levels \(levels)")
            }
        }
        // A constant matrix: every increase 0.
        try Self.expectMatchesReference(FeatureMatrix(rows: 128, columns: 50, repeating: -20), "constant")
        // Differences of -0.0 (0 - +0 and -0 - +0 ...): the median is +0.0, never -0.0.
        let signedZeros = (0..<(128 * 50)).map { $0 % 3 == 0 ? Float(-0.0) : 0 }
        let zeros = FeatureMatrix(rows: 128, columns: 50, values: signedZeros)
        try Self.expectMatchesReference(zeros, "signed zeros")
        let envelope = try OnsetStrength.onsetStrength(melDB: zeros, aggregate: .median)
        #expect(envelope.allSatisfy { $0.bitPattern == 0 })
    }

    @Test func monotoneMatricesMatchTheScalarMedian() throws {
        for bands in [1, 2, 3, 64, 127, 128, 129] {
            let frames = 100
            // All decreasing: every increase is negative, the median 0.
            let decreasing = FeatureMatrix(rows: bands, columns: frames,
                                           values: (0..<(bands * frames)).map { -Float($0 % frames) * Float(1 + $0 / frames % 5) })
            try Self.expectMatchesReference(decreasing, "decreasing, \(bands) bands")
            let envelope = try OnsetStrength.onsetStrength(melDB: decreasing, aggregate: .median)
            #expect(envelope.allSatisfy { $0.bitPattern == 0 })
            // All increasing, by a different step per band (and the same steps for some bands).
            let increasing = FeatureMatrix(rows: bands, columns: frames,
                                           values: (0..<(bands * frames)).map { Float($0 % frames) * (0.25 + Float($0 / frames % 7)) - 80 })
            try Self.expectMatchesReference(increasing, "increasing, \(bands) bands")
            let rising = try OnsetStrength.onsetStrength(melDB: increasing, aggregate: .median)
            #expect(rising.dropFirst(3).allSatisfy { $0 > 0 })
        }
    }

    @Test func nonFiniteValuesMatchTheScalarMedianAndNeverGiveNaN() throws {
        // NaN and inf - inf increases count as 0; +inf increases are kept.
        var generator = SeededGenerator(seed: 5)
        for bands in [3, 64, 128, 129] {
            var melDB = Self.smoothDB(bands: bands, frames: 150, seed: UInt64(bands))
            var values = melDB.values
            for index in values.indices where Int.random(in: 0..<10, using: &generator) == 0 {
                values[index] = [Float.nan, .infinity, -.infinity, Float.greatestFiniteMagnitude][Int.random(in: 0..<4, using: &generator)]
            }
            melDB = FeatureMatrix(rows: bands, columns: 150, values: values)
            try Self.expectMatchesReference(melDB, "non-finite, \(bands) bands")
            let envelope = try OnsetStrength.onsetStrength(melDB: melDB, aggregate: .median)
            #expect(envelope.allSatisfy { !$0.isNaN && $0 >= 0 })
        }
        // Half the bands jumping to +inf: an infinite median.
        let frames = 40
        let jumps = FeatureMatrix(rows: 128, columns: frames, values: (0..<(128 * frames)).map {
            $0 / frames < 65 && $0 % frames == 20 ? .infinity : -10
        })
        try Self.expectMatchesReference(jumps, "infinite jumps")
        #expect(try OnsetStrength.onsetStrength(melDB: jumps, lag: 1, nFFT: 2, hopLength: 2, aggregate: .median)[20] == .infinity)
    }

    @Test func dispatchedAndPortablePathsGiveTheSameBits() {
        // On this machine the dispatched path is AVX-512 where available (512), else AVX (256).
        let path = musicindex_onset_median_path()
        #expect([0, 256, 512].contains(path))
        for (bands, frames) in [(128, 1000 + 7), (128, 16), (128, 20), (127, 333), (64, 100), (7, 50), (1, 17), (200, 40), (128, 9)] {
            let melDB = Self.smoothDB(bands: bands, frames: frames, seed: UInt64(bands * 7 + frames))
            for lag in [1, 2] {
                let count = frames - lag
                var outputs = [[Float]](repeating: [Float](repeating: .nan, count: count), count: 2)
                var scratch = [Float](repeating: 0, count: bands)
                for path in 0..<2 {
                    let kernel = path == 0 ? musicindex_onset_median : musicindex_onset_median_portable
                    kernel(melDB.values, bands, frames, lag, count, &outputs[path], &scratch)
                }
                #expect(outputs[0].map(\.bitPattern) == outputs[1].map(\.bitPattern), "\(bands) bands, \(frames) frames, lag \(lag)")
                #expect(outputs[0].allSatisfy { !$0.isNaN }, "every frame written")
                let reference = Self.referenceMedian(melDB: melDB, lag: lag, nFFT: 2, hopLength: 2)
                #expect(outputs[0].map(\.bitPattern) == reference.dropFirst(lag).map(\.bitPattern))
            }
        }
    }
}
