import Foundation

/// Loudness range (LRA) of EBU Tech 3342: the spread, in LU, of the short-term loudness
/// distribution of a programme.
///
/// Short-term loudness values (3 s windows, see `LoudnessMeter`) at or above the absolute
/// gate (-70 LUFS) are power-averaged; values at or above 20 LU below that average are
/// kept, and the LRA is the 95th minus the 10th percentile of what is kept. Percentiles
/// interpolate linearly between order statistics (numpy's default `np.percentile`, which
/// pyloudnorm 0.2 `Meter.loudness_range` uses too).
public enum LoudnessRange {
    /// LUFS (Tech 3342: absolute gate -70 LUFS).
    public static let absoluteGate = -70.0
    /// LU relative to the absolute-gated power average (Tech 3342: -20 LU).
    public static let relativeGate = -20.0
    /// Percent (Tech 3342: 10 and 95).
    public static let lowPercentile = 10.0
    public static let highPercentile = 95.0

    /// The loudness range in LU (≥ 0) of short-term loudness values in LUFS, or nil when no
    /// value passes the gates (silence, or a programme shorter than one 3 s window).
    public static func range(shortTermLoudness: [Double]) -> Double? {
        let absoluteGated = shortTermLoudness.filter { $0 >= absoluteGate }
        guard !absoluteGated.isEmpty else { return nil }
        let power = absoluteGated.reduce(0.0) { $0 + pow(10.0, $1 / 10.0) } / Double(absoluteGated.count)
        let threshold = 10.0 * log10(power) + relativeGate
        let kept = absoluteGated.filter { $0 >= threshold }.sorted()
        guard !kept.isEmpty else { return nil }
        return percentile(sorted: kept, highPercentile) - percentile(sorted: kept, lowPercentile)
    }

    /// The `p`-th percentile (0...100) of sorted values, interpolating linearly between the
    /// two nearest ranks (numpy's `method='linear'`).
    static func percentile(sorted values: [Double], _ p: Double) -> Double {
        let position = p / 100.0 * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        return values[lower] + (values[upper] - values[lower]) * fraction
    }
}
