internal import CKernels

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
    /// Units: dB per frame, >= 0. Sums in Double. The median runs in the C kernel
    /// `musicindex_onset_median` (16 frames at a time through a selection network; numpy's
    /// median, the two middle values averaged in Double); a NaN increase counts as 0 there as
    /// in the mean, so the envelope is never NaN, though it may be +inf.
    public static func onsetStrength(melDB: FeatureMatrix, lag: Int = 1, nFFT: Int = 2048, hopLength: Int = 512,
                                     aggregate: Aggregate = .mean) throws -> [Float] {
        guard lag >= 1 else { throw MusicIndexError.invalidArgument("onset lag must be at least 1 frame (got \(lag))") }
        try SpectrogramParameters(nFFT: nFFT, hopLength: hopLength).validate()
        let bands = melDB.rows, frames = melDB.columns
        guard bands >= 1 else { throw MusicIndexError.invalidArgument("onset strength needs at least one band") }
        let delay = lag + nFFT / (2 * hopLength)
        var envelope = [Float](repeating: 0, count: frames)
        if aggregate == .median {
            // Output t holds difference index j = t − delay (frames j + lag and j), for
            // j < frames − delay (<= frames − lag): the C kernel, 16 frames at a time.
            let count = frames - delay
            guard count > 0 else { return envelope }
            melDB.values.withUnsafeBufferPointer { S in
                envelope.withUnsafeMutableBufferPointer { output in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: bands) { scratch in
                        musicindex_onset_median(S.baseAddress!, bands, frames, lag, count, output.baseAddress! + delay,
                                                scratch.baseAddress!)
                    }
                }
            }
            return envelope
        }
        var increases = [Float](repeating: 0, count: bands)
        melDB.values.withUnsafeBufferPointer { S in
            // Output t holds difference index j = t − delay, i.e. frames j + lag and j.
            for t in delay..<max(delay, frames) {
                let j = t - delay
                guard j + lag < frames else { break }
                // Only the positive increases are kept (packed at the front, branch-free): the
                // others are zeros, which the mean counts without storing.
                var positives = 0
                for b in 0..<bands {
                    let increase = S[b * frames + j + lag] - S[b * frames + j]
                    increases[positives] = increase
                    positives += increase > 0 ? 1 : 0
                }
                envelope[t] = mean(increases, positives: positives, count: bands)
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

    /// The mean of `count` values of which the first `positives` of `values` are the positive
    /// ones and the rest are zeros.
    private static func mean(_ values: [Float], positives: Int, count: Int) -> Float {
        // Adding the zeros would not change the Double sum.
        var sum = 0.0
        for index in 0..<positives { sum += Double(values[index]) }
        return Float(sum / Double(count))
    }
}
