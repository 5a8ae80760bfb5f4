/// numpy's summation order for `np.sum` / `np.add.reduce` over contiguous `float64`
/// (`pairwise_sum_DOUBLE`): fewer than 8 values left to right; up to 128 values in eight
/// interleaved partial sums combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`, then the
/// remainder; longer runs split in two at a multiple of 8 below the middle.
///
/// Ports use it where librosa's results hinge on the last bit (e.g. the standard
/// deviation that scales `beat_track`'s local score, whose dynamic program breaks exact
/// ties by order).
enum PairwiseSum {
    static func sum(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { sum($0) }
    }

    static func sum(_ values: UnsafeBufferPointer<Double>) -> Double {
        let n = values.count
        if n < 8 {
            var result = 0.0
            for value in values { result += value }
            return result
        }
        if n <= 128 {
            var r = (values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7])
            var i = 8
            while i < n - n % 8 {
                r.0 += values[i]; r.1 += values[i + 1]; r.2 += values[i + 2]; r.3 += values[i + 3]
                r.4 += values[i + 4]; r.5 += values[i + 5]; r.6 += values[i + 6]; r.7 += values[i + 7]
                i += 8
            }
            var result = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
            while i < n { result += values[i]; i += 1 }
            return result
        }
        var half = n / 2
        half -= half % 8
        return sum(UnsafeBufferPointer(rebasing: values[0..<half])) + sum(UnsafeBufferPointer(rebasing: values[half...]))
    }
}
