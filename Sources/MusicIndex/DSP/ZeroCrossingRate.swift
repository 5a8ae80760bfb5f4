/// Zero-crossing rate per frame.
public enum ZeroCrossingRate {
    /// The fraction of sample pairs in each frame whose signs differ: for frame t, the count
    /// of i in 1 ..< frameLength with signbit(x[i]) ≠ signbit(x[i − 1]), divided by
    /// frameLength; values in 0...1 (1 + n / hopLength frames, frameLength even).
    ///
    /// Port of `librosa.feature.zero_crossing_rate(y, frame_length, hop_length, center=True)`
    /// with its defaults (`threshold=1e-10`: samples with |x| <= 1e-10 count as +0;
    /// `zero_pos=True`: zero counts as positive; `pad=False`: the first sample of a frame is
    /// never a crossing). Note that librosa centres these frames by padding with the edge
    /// samples (`np.pad(mode='edge')`), not with zeros as the STFT does. Edge padding repeats
    /// the first and last sample, so the padding itself never adds a crossing: only
    /// crossings between neighbouring samples of y count, which a prefix sum makes O(n).
    ///
    /// Empty input: librosa raises (numpy cannot edge-pad an empty array); here it gives one
    /// frame with rate 0, the same single frame every STFT feature has for empty input.
    public static func zeroCrossingRate(_ y: [Float], frameLength: Int = 2048, hopLength: Int = 512,
                                        threshold: Double = 1e-10) throws -> [Float] {
        guard threshold >= 0, threshold.isFinite else {
            throw MusicIndexError.invalidArgument("zero-crossing threshold must be >= 0 (got \(threshold))")
        }
        try SpectrogramParameters(nFFT: frameLength, hopLength: hopLength).validate()
        let frames = STFT.frameCount(sampleCount: y.count, nFFT: frameLength, hopLength: hopLength)
        guard y.count >= 2 else { return [Float](repeating: 0, count: frames) }
        let half = frameLength / 2, length = y.count
        // crossingsUpTo[i] = crossings between y[j − 1] and y[j] for 1 <= j <= i.
        var crossingsUpTo = [Int32](repeating: 0, count: length)
        crossingsUpTo.withUnsafeMutableBufferPointer { counts in
            y.withUnsafeBufferPointer { samples in
                // A sample counts as negative when x < −threshold (its sign bit set and |x| above the
                // threshold). librosa compares float64 values with the float64 threshold; for a
                // Float x, |x| > threshold holds exactly when |x| >= the smallest Float above it.
                var limit = Float(threshold)
                if Double(limit) <= threshold { limit = limit.nextUp }
                let negativeLimit = -limit
                @inline(__always) func negative(_ x: Float) -> Bool { x <= negativeLimit }
                // Branch-free through pointers: a crossing adds 1 when the sign test changes.
                let source = samples.baseAddress!, target = counts.baseAddress!
                var previous = negative(source[0]), running: Int32 = 0
                for i in 1..<length {
                    let current = negative(source[i])
                    running &+= Int32(truncatingIfNeeded: (current != previous) ? 1 : 0)
                    target[i] = running
                    previous = current
                }
            }
        }
        return (0..<frames).map { t in
            // Padded positions t·hop + 1 ..< t·hop + L are y indices (t·hop − half + 1) ... (t·hop − half + L − 1).
            let first = max(1, t * hopLength - half + 1), last = min(length - 1, t * hopLength - half + frameLength - 1)
            let count = last >= first ? crossingsUpTo[last] - crossingsUpTo[first - 1] : 0
            return Float(Double(count) / Double(frameLength))
        }
    }
}
