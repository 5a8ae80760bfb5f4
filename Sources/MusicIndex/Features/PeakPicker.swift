import Foundation

/// Heuristic peak picking on a one-dimensional signal.
///
/// Port of librosa 0.11 `util.peak_pick` (after Böck, Krebs & Schedl 2012). Frame `n` is a
/// peak when
///
/// 1. `x[n] == max(x[n - preMax ..< n + postMax])`,
/// 2. `x[n] >= mean(x[n - preAvg ..< n + postAvg]) + delta`, and
/// 3. it comes more than `wait` frames after the previous peak,
///
/// windows clipped to the signal. Frame 0 is special-cased as librosa does (max over
/// `x[..<postMax]`, mean over `x[..<postAvg]`). Like librosa's numba kernel, `delta` is
/// rounded to `Float` before the comparison.
public enum PeakPicker {
    /// Peak indices, increasing.
    ///
    /// - Parameters:
    ///   - preMax, preAvg, wait: frames, ≥ 0.
    ///   - postMax, postAvg: frames, ≥ 1.
    ///   - delta: threshold above the local mean, ≥ 0, in the units of `x`.
    public static func peaks(_ x: [Double], preMax: Int, postMax: Int, preAvg: Int, postAvg: Int,
                             delta: Double, wait: Int) throws -> [Int] {
        guard preMax >= 0 else { throw MusicIndexError.invalidArgument("peak picking: pre_max must be non-negative, got \(preMax)") }
        guard preAvg >= 0 else { throw MusicIndexError.invalidArgument("peak picking: pre_avg must be non-negative, got \(preAvg)") }
        guard delta >= 0 else { throw MusicIndexError.invalidArgument("peak picking: delta must be non-negative, got \(delta)") }
        guard wait >= 0 else { throw MusicIndexError.invalidArgument("peak picking: wait must be non-negative, got \(wait)") }
        guard postMax > 0 else { throw MusicIndexError.invalidArgument("peak picking: post_max must be positive, got \(postMax)") }
        guard postAvg > 0 else { throw MusicIndexError.invalidArgument("peak picking: post_avg must be positive, got \(postAvg)") }
        let count = x.count
        guard count > 0 else { return [] }
        let delta = Double(Float(delta))

        func maximum(_ lower: Int, _ upper: Int) -> Double {
            var value = x[lower]
            for i in lower..<upper { value = max(value, x[i]) }
            return value
        }
        func mean(_ lower: Int, _ upper: Int) -> Double {
            var sum = 0.0
            for i in lower..<upper { sum += x[i] }
            return sum / Double(upper - lower)
        }

        var peaks: [Int] = []
        var n = 1
        if x[0] >= maximum(0, min(postMax, count)) && x[0] >= mean(0, min(postAvg, count)) + delta {
            peaks.append(0)
            n = wait + 1
        }
        while n < count {
            guard x[n] == maximum(max(0, n - preMax), min(n + postMax, count)),
                  x[n] >= mean(max(0, n - preAvg), min(n + postAvg, count)) + delta else {
                n += 1
                continue
            }
            peaks.append(n)
            n += wait + 1
        }
        return peaks
    }
}
