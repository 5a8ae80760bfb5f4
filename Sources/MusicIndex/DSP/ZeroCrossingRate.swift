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
        // Frame t counts the crossings between y[j − 1] and y[j] for first_t <= j <= last_t:
        // padded positions t·hop + 1 ..< t·hop + L are y indices (t·hop − half + 1) ... (t·hop − half + L − 1).
        // With prefix(i) = crossings for 1 <= j <= i, that is prefix(last_t) − prefix(first_t − 1).
        // One pass keeps the running count and notes it at the two positions each frame needs
        // (both nondecreasing in t), so memory is per frame, not per sample.
        let firsts = (0..<frames).map { max(1, $0 * hopLength - half + 1) }
        let lasts = (0..<frames).map { min(length - 1, $0 * hopLength - half + frameLength - 1) }
        // Positions past the signal only occur in frames with no sample pair (last < first).
        let lows = firsts.map { min($0 - 1, length - 1) }
        var atLow = [Int32](repeating: 0, count: frames), atHigh = [Int32](repeating: 0, count: frames)
        y.withUnsafeBufferPointer { samples in
            // A sample counts as negative when x < −threshold (its sign bit set and |x| above the
            // threshold). librosa compares float64 values with the float64 threshold; for a
            // Float x, |x| > threshold holds exactly when |x| >= the smallest Float above it.
            var limit = Float(threshold)
            if Double(limit) <= threshold { limit = limit.nextUp }
            let negativeLimit = -limit
            let source = samples.baseAddress!
            var low = 0, high = 0, running: Int32 = 0
            // Notes prefix(i) for every frame whose first − 1 or last is i.
            @inline(__always) func note(_ i: Int) {
                while low < frames && lows[low] == i { atLow[low] = running; low += 1 }
                while high < frames && lasts[high] == i { atHigh[high] = running; high += 1 }
            }
            note(0)
            // Between two positions that need a note, the crossings are counted eight pairs
            // at a time.
            var position = 0
            while position < length - 1 {
                let stop = min(low < frames ? lows[low] : length - 1, high < frames ? lasts[high] : length - 1)
                precondition(stop > position, "zero-crossing positions out of order")
                running &+= crossings(source, from: position + 1, through: stop, negativeLimit: negativeLimit)
                position = stop
                note(stop)
            }
        }
        return (0..<frames).map { t in
            let count = lasts[t] >= firsts[t] ? atHigh[t] - atLow[t] : 0
            return Float(Double(count) / Double(frameLength))
        }
    }

    /// The count of j in first...last (first >= 1) where x[j − 1] and x[j] differ in being
    /// <= `negativeLimit`.
    @inline(__always)
    private static func crossings(_ x: UnsafePointer<Float>, from first: Int, through last: Int,
                                  negativeLimit: Float) -> Int32 {
        var j = first
        var lanes = SIMD8<Int32>()
        let limit = SIMD8<Float>(repeating: negativeLimit)
        while j + 8 <= last + 1 {
            let current = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) .<= limit
            let previous = UnsafeRawPointer(x + j - 1).loadUnaligned(as: SIMD8<Float>.self) .<= limit
            // A true lane of a mask reads as -1.
            lanes &+= unsafeBitCast(current .^ previous, to: SIMD8<Int32>.self)
            j += 8
        }
        var count = -lanes.wrappedSum()
        while j <= last {
            count &+= (x[j] <= negativeLimit) != (x[j - 1] <= negativeLimit) ? 1 : 0
            j += 1
        }
        return count
    }
}
