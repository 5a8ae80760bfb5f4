import Foundation

/// The mode of a key.
public enum KeyMode: String, Sendable, Codable, CaseIterable {
    case major, minor
}

/// A key found by `KeyEstimator`.
public struct KeyEstimate: Sendable, Equatable {
    /// Pitch-class names by index, chroma order (librosa's: C = 0 … B = 11), sharps only.
    public static let pitchClassNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]

    /// Pitch class of the tonic, 0 (C) … 11 (B).
    public let tonic: Int
    public let mode: KeyMode
    /// Pearson correlation, -1...1, of the chroma with the winning key profile.
    public let correlation: Double
    /// Correlation of the winner minus that of the runner-up among the other 23 keys, ≥ 0.
    /// Often small between relative keys (C major / A minor share their notes).
    public let margin: Double
    /// 0...1: `max(0, correlation) * contrast`, where `contrast = (max - min) / max` of the
    /// chroma vector. Correlation alone ignores scale and offset, so a nearly flat chroma
    /// (noise, percussion, dense clusters) can still correlate well by chance; the contrast
    /// factor brings such keys towards 0, while a chroma with absent pitch classes keeps
    /// its full correlation.
    public let confidence: Double

    /// Tonic name, e.g. "A" or "F#".
    public var tonicName: String { Self.pitchClassNames[tonic] }
    /// e.g. "A minor".
    public var name: String { "\(tonicName) \(mode.rawValue)" }
}

/// Key and mode from a 12-bin chroma vector by template matching (Krumhansl–Schmuckler
/// key-finding).
///
/// The chroma (pitch classes C, C#, …, B, e.g. the time-average of librosa's
/// `chroma_stft`) is correlated (Pearson) with the Krumhansl–Kessler (1982) probe-tone
/// profiles of the major and the minor key, rotated to each of the 12 tonics; the best of
/// the 24 wins (ties: major before minor, then lower tonic). The profiles are the published
/// ratings of how well each pitch class fits a key context (Krumhansl, "Cognitive
/// Foundations of Musical Pitch", 1990, table 4.1); Temperley's or Aarden's profiles are
/// not used.
public enum KeyEstimator {
    /// Krumhansl–Kessler major profile, tonic first.
    public static let majorProfile: [Double] = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
    /// Krumhansl–Kessler minor profile, tonic first.
    public static let minorProfile: [Double] = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]

    /// The key of a chroma vector, or nil when the vector is flat (all 12 values equal,
    /// including all zero: silence), for which correlation is undefined.
    ///
    /// - Parameter chroma: 12 finite, non-negative values (any scale), C first.
    public static func estimate(chroma: [Double]) throws -> KeyEstimate? {
        guard chroma.count == 12 else {
            throw MusicIndexError.invalidArgument("key: a chroma vector has 12 pitch classes, got \(chroma.count)")
        }
        guard chroma.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw MusicIndexError.invalidArgument("key: chroma values must be finite and non-negative, got \(chroma)")
        }
        let correlations = Self.correlations(chroma)
        guard let correlations else { return nil }
        var best = 0
        for index in 1..<24 where correlations[index] > correlations[best] { best = index }
        let runnerUp = correlations.indices.filter { $0 != best }.map { correlations[$0] }.max()!
        let high = chroma.max()!, low = chroma.min()!
        let contrast = (high - low) / high
        return KeyEstimate(tonic: best % 12, mode: best < 12 ? .major : .minor,
                           correlation: correlations[best],
                           margin: correlations[best] - runnerUp,
                           confidence: min(1, max(0, correlations[best]) * contrast))
    }

    /// The key of a chromagram in librosa's layout: `[12, frames]`, row-major (all frames
    /// of C, then of C#, …), averaged over frames first (see `meanChroma`).
    public static func estimate(chromagram: [Float], frames: Int) throws -> KeyEstimate? {
        try estimate(chroma: meanChroma(chromagram, frames: frames))
    }

    /// The time-average of a `[12, frames]` row-major chromagram: 12 values.
    public static func meanChroma(_ chromagram: [Float], frames: Int) throws -> [Double] {
        guard frames > 0, chromagram.count == 12 * frames else {
            throw MusicIndexError.invalidArgument("key: a [12, \(frames)] chromagram has \(12 * max(frames, 0)) values, got \(chromagram.count)")
        }
        return (0..<12).map { pitch in
            chromagram[(pitch * frames)..<((pitch + 1) * frames)].reduce(0.0) { $0 + Double($1) } / Double(frames)
        }
    }

    /// Pearson correlations with the 24 rotated profiles, the 12 major keys (C…B) first;
    /// nil when the chroma has no variance.
    public static func correlations(_ chroma: [Double]) -> [Double]? {
        let mean = chroma.reduce(0, +) / 12
        let centred = chroma.map { $0 - mean }
        let norm = centred.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // Below this the vector is flat up to rounding.
        guard norm > 1e-12 * max(abs(mean), Double.leastNormalMagnitude) else { return nil }
        var result: [Double] = []
        for profile in [majorProfile, minorProfile] {
            let profileMean = profile.reduce(0, +) / 12
            let profileCentred = profile.map { $0 - profileMean }
            let profileNorm = profileCentred.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for tonic in 0..<12 {
                // The profile rotated so that its tonic lies on pitch class `tonic`.
                var dot = 0.0
                for pitch in 0..<12 { dot += centred[pitch] * profileCentred[(pitch - tonic + 12) % 12] }
                result.append(dot / (norm * profileNorm))
            }
        }
        return result
    }
}
