import Foundation

/// The gated integrated loudness of ITU-R BS.1770-4 (EBU R 128), computed from the mean
/// squares of 400 ms gating blocks exactly the way pyloudnorm 0.2
/// `Meter.integrated_loudness` gates them.
///
/// A block's loudness is `-0.691 + 10 log10(z)`, where `z` is its channel-weighted mean
/// square of K-weighted samples. Blocks at or above the absolute gate (-70 LUFS) are
/// averaged (in the power domain) to give the relative gate, 10 LU below that average;
/// the result is the loudness of the power average of the blocks strictly above both gates.
public enum IntegratedLoudness {
    /// LUFS; blocks below it never count (BS.1770-4: Γa = -70 LKFS).
    public static let absoluteGate = -70.0
    /// LU relative to the absolute-gated loudness (BS.1770-4: Γr = Γ - 10).
    public static let relativeGate = -10.0

    /// The loudness in LUFS of a channel-weighted mean square `z` (BS.1770-4 eq. 4):
    /// `-0.691 + 10 log10(z)`; `-infinity` for `z == 0`.
    public static func loudness(meanSquare z: Double) -> Double {
        -0.691 + 10.0 * log10(z)
    }

    /// The gated loudness in LUFS of blocks given by their channel-weighted mean squares
    /// (linear power, ≥ 0), or nil when no block passes the gates: silence, near silence
    /// (every block below -70 LUFS) or no blocks at all. pyloudnorm returns `-inf` in those
    /// cases.
    public static func gated(blockMeanSquares z: [Double]) -> Double? {
        let loudness = z.map { Self.loudness(meanSquare: $0) }
        // Absolute gate: l >= -70 (pyloudnorm's first selection).
        var sum = 0.0, count = 0
        for (index, l) in loudness.enumerated() where l >= absoluteGate {
            sum += z[index]; count += 1
        }
        guard count > 0 else { return nil }
        let relativeThreshold = Self.loudness(meanSquare: sum / Double(count)) + relativeGate
        // Both gates, strictly: l > Γr and l > Γa (pyloudnorm's second selection).
        sum = 0; count = 0
        for (index, l) in loudness.enumerated() where l > relativeThreshold && l > absoluteGate {
            sum += z[index]; count += 1
        }
        guard count > 0 else { return nil }
        return Self.loudness(meanSquare: sum / Double(count))
    }
}
