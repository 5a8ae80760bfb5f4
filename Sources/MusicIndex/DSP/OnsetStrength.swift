/// Spectral-flux onset strength.
public enum OnsetStrength {
    /// How the per-band increases of one frame are combined.
    public enum Aggregate: String, Sendable, Codable, CaseIterable {
        /// np.mean: librosa.onset.onset_strength's default.
        case mean
        /// np.median: what librosa.beat.beat_track uses.
        case median
    }

    /// Onset strength envelope from a log-power mel spectrogram S [bands, frames] (dB):
    /// `env[t] = aggregate_b max(0, S[b, t'] − S[b, t' − lag])`, delayed so it lines up with the
    /// centred frames, one value per frame (the same count as S).
    ///
    /// Port of `librosa.onset.onset_strength(S=melDB, lag=lag, max_size=1, detrend=False,
    /// center=True, aggregate=...)` (librosa 0.11, `onset_strength_multi`): the difference
    /// sequence is padded at the front with `lag + nFFT / (2 · hopLength)` zeros (3 for the
    /// defaults) and cut to the number of frames, so env[t] = flux between frames t − 3 and
    /// t − 2 and the first 3 values are 0. With y given (`onsetStrength(y:)`) librosa computes
    /// S as `power_to_db(melspectrogram(y))` with ref 1, amin 1e-10, top_db 80, i.e. exactly
    /// `SpectralAnalysis.melDB` for the default parameters.
    ///
    /// Units: dB per frame, >= 0. Sums in Double.
    public static func onsetStrength(melDB: FeatureMatrix, lag: Int = 1, nFFT: Int = 2048, hopLength: Int = 512,
                                     aggregate: Aggregate = .mean) throws -> [Float] {
        guard lag >= 1 else { throw MusicIndexError.invalidArgument("onset lag must be at least 1 frame (got \(lag))") }
        try SpectrogramParameters(nFFT: nFFT, hopLength: hopLength).validate()
        let bands = melDB.rows, frames = melDB.columns
        guard bands >= 1 else { throw MusicIndexError.invalidArgument("onset strength needs at least one band") }
        let delay = lag + nFFT / (2 * hopLength)
        var envelope = [Float](repeating: 0, count: frames)
        var increases = [Float](repeating: 0, count: bands)
        melDB.values.withUnsafeBufferPointer { S in
            // Output t holds difference index j = t − delay, i.e. frames j + lag and j.
            for t in delay..<max(delay, frames) {
                let j = t - delay
                guard j + lag < frames else { break }
                // Only the positive increases are kept (packed at the front, branch-free): the
                // others are zeros, which the aggregates count without storing.
                var positives = 0
                for b in 0..<bands {
                    let increase = S[b * frames + j + lag] - S[b * frames + j]
                    increases[positives] = increase
                    positives += increase > 0 ? 1 : 0
                }
                envelope[t] = combine(&increases, positives: positives, count: bands, aggregate)
            }
        }
        return envelope
    }

    /// Onset strength of a signal: the mel spectrogram in dB of `parameters` (librosa's
    /// defaults: 128 bands up to sr/2, power 2, ref 1, amin 1e-10, top_db 80), then
    /// `onsetStrength(melDB:)`. Port of `librosa.onset.onset_strength(y, sr, hop_length)`.
    public static func onsetStrength(y: [Float], parameters: SpectrogramParameters = .init(), lag: Int = 1,
                                     aggregate: Aggregate = .mean) throws -> [Float] {
        let melDB = try MelSpectrogram.melSpectrogramDB(y, parameters: parameters)
        return try onsetStrength(melDB: melDB, lag: lag, nFFT: parameters.nFFT, hopLength: parameters.hopLength,
                                 aggregate: aggregate)
    }

    /// The aggregate of `count` values of which the first `positives` of `values` are the
    /// positive ones and the rest are zeros.
    private static func combine(_ values: inout [Float], positives: Int, count: Int, _ aggregate: Aggregate) -> Float {
        switch aggregate {
        case .mean:
            // Adding the zeros would not change the Double sum.
            var sum = 0.0
            for index in 0..<positives { sum += Double(values[index]) }
            return Float(sum / Double(count))
        case .median:
            // np.median: the middle value, or the mean of the two middle values. The zeros are
            // the smallest values, so a middle index below their count reads 0; otherwise the
            // positive values are searched by selection (O(n)) rather than a full sort.
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
                    // After selecting index middle − 1, everything above it is >= it.
                    var smallest = v[middle - zeros]
                    for i in (middle - zeros + 1)..<positives { smallest = min(smallest, v[i]) }
                    upper = smallest
                }
                return Float((Double(lower) + Double(upper)) / 2)
            }
        }
    }

    /// Reorders `v` so that v[k] is its k-th smallest value (Hoare's quickselect with a
    /// median-of-three pivot) and returns it.
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
            // Now v[lo...j] <= pivot <= v[i...hi], and v[j+1 ..< i] == pivot.
            if k <= j { hi = j } else if k >= i { lo = i } else { return v[k] }
        }
        return v[k]
    }
}
