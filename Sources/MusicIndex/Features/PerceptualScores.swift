import Foundation

/// The engineered descriptors of one track that `PerceptualScores` are computed from.
/// Frame statistics are over librosa-style frames of the mono mix at 22050 Hz
/// (n_fft 2048, hop 512).
public struct ScoreInputs: Sendable, Equatable {
    /// Integrated loudness in LUFS (`LoudnessMeasurement.integrated`); nil for silence.
    public var integratedLoudness: Double?
    /// Loudness range in LU (`LoudnessMeasurement.range`), ≥ 0; nil when unknown (under 3 s).
    public var loudnessRange: Double?
    /// Mean spectral centroid in Hz (librosa `spectral_centroid`), ≥ 0.
    public var spectralCentroid: Double
    /// Mean spectral flatness (librosa `spectral_flatness`, power 2), 0...1.
    public var spectralFlatness: Double
    /// Mean and standard deviation of the frame zero-crossing rate (librosa
    /// `zero_crossing_rate`, crossings per sample), 0...1 and ≥ 0.
    public var zeroCrossingRateMean: Double
    public var zeroCrossingRateStd: Double
    /// Timbre variability: the mean over MFCC 1…12 (not 0) of each coefficient's standard
    /// deviation over frames (librosa `mfcc`, 13 coefficients of the dB mel spectrogram),
    /// ≥ 0, in the MFCCs' dB-like units. Steady instrumental textures read about 3–8,
    /// speech and singing typically above 10.
    public var mfccVariability: Double
    /// Onsets per second (`RhythmDescriptors.onsetRate`), ≥ 0.
    public var onsetRate: Double
    /// Tempo in BPM (`RhythmDescriptors.tempo`), > 0; nil without beats.
    public var tempo: Double?
    /// 0...1 (`RhythmDescriptors.beatStrength`).
    public var beatStrength: Double
    /// Coefficient of variation of inter-beat intervals (`RhythmDescriptors.beatIntervalVariation`),
    /// ≥ 0; nil with fewer than three beats.
    public var beatIntervalVariation: Double?
    /// 0...1 (`RhythmDescriptors.periodicity`).
    public var periodicity: Double

    public init(integratedLoudness: Double?, loudnessRange: Double?, spectralCentroid: Double,
                spectralFlatness: Double, zeroCrossingRateMean: Double, zeroCrossingRateStd: Double,
                mfccVariability: Double, onsetRate: Double, tempo: Double?, beatStrength: Double,
                beatIntervalVariation: Double?, periodicity: Double) {
        self.integratedLoudness = integratedLoudness
        self.loudnessRange = loudnessRange
        self.spectralCentroid = spectralCentroid
        self.spectralFlatness = spectralFlatness
        self.zeroCrossingRateMean = zeroCrossingRateMean
        self.zeroCrossingRateStd = zeroCrossingRateStd
        self.mfccVariability = mfccVariability
        self.onsetRate = onsetRate
        self.tempo = tempo
        self.beatStrength = beatStrength
        self.beatIntervalVariation = beatIntervalVariation
        self.periodicity = periodicity
    }
}

/// Four 0...1 scores in the spirit of Spotify's audio features (energy, danceability,
/// acousticness, instrumentalness), computed by fixed, documented formulas from
/// `ScoreInputs`. They are heuristics, not trained models: no listener data calibrated
/// them, and the constants below are round numbers chosen so that typical commercial
/// music spreads over the range.
///
/// Notation: `σ(x; c, w) = 1 / (1 + exp(-(x - c) / w))` rises from 0 to 1 around `c` with
/// width `w`; `L` is integrated loudness (LUFS), `LRA` loudness range (LU), `C` mean
/// spectral centroid (Hz), `F` mean spectral flatness, `lf = log10(max(F, 1e-6))`.
///
/// - **energy** = 0.45 σ(L; -16, 3) + 0.20 σ(onset rate; 3/s, 1.2) + 0.20 σ(C; 2000 Hz, 600)
///   + 0.15 σ(lf; -1.7, 0.4). Rises with loudness, onset density, brightness and noisiness
///   (distortion, cymbals).
/// - **danceability** = Q · (0.5 + 0.5 T) · (0.75 + 0.25 R), with pulse evidence
///   `Q = 0.5 · beat strength + 0.5 · periodicity`, tempo suitability `T` = 1 for 90–130 BPM
///   and `exp(-0.5 (d / 0.35)²)` outside, `d` the distance in octaves to the nearer edge
///   (0 without a tempo), and regularity `R = 1 / (1 + (cv / 0.08)²)` for the inter-beat
///   interval coefficient of variation `cv` (0 when unknown). Without a clear pulse it
///   stays low whatever the tempo; it peaks for a strong, regular pulse at 90–130 BPM.
/// - **acousticness** = 0.30 (1 - σ(C; 1800 Hz, 500)) + 0.25 (1 - σ(lf; -2, 0.4))
///   + 0.25 (1 - σ(L; -14, 3)) + 0.20 σ(LRA; 7 LU, 2.5), the last term 0.5 when `LRA` is
///   unknown. High for dark, tonal, moderately loud and dynamic recordings; low for bright,
///   noisy, loud, compressed ones. Timbre only: a clean electric piano reads "acoustic".
/// - **instrumentalness** = 1 - (0.6 σ(MFCC variability; 11, 2.5) + 0.4 σ(ZCR cv; 0.5, 0.15)),
///   where ZCR cv is the zero-crossing rate's standard deviation over its mean (0 for a
///   zero mean). Vocals change formants with every syllable and alternate voiced and
///   unvoiced sounds, which makes timbre and zero-crossing rate fluctuate. There is no
///   vocal detector here: busy arrangements, drum fills and synth sweeps also fluctuate
///   and lower the score, and sustained, steady singing raises it. Treat values between
///   0.3 and 0.7 as "unknown".
///
/// Every score is non-decreasing or non-increasing in each input as described, and lies in
/// 0...1 for any valid input.
public struct PerceptualScores: Sendable, Equatable {
    public let energy: Double
    public let danceability: Double
    public let acousticness: Double
    public let instrumentalness: Double

    /// The scores of a track, or nil for silence (`integratedLoudness` nil): silence has no
    /// perceptual character. Throws for inputs outside the ranges `ScoreInputs` documents.
    public static func compute(_ inputs: ScoreInputs) throws -> PerceptualScores? {
        try validate(inputs)
        guard let loudness = inputs.integratedLoudness else { return nil }
        let logFlatness = log10(max(inputs.spectralFlatness, 1e-6))

        let energy = 0.45 * sigmoid(loudness, -16, 3)
            + 0.20 * sigmoid(inputs.onsetRate, 3, 1.2)
            + 0.20 * sigmoid(inputs.spectralCentroid, 2000, 600)
            + 0.15 * sigmoid(logFlatness, -1.7, 0.4)

        let pulse = 0.5 * inputs.beatStrength + 0.5 * inputs.periodicity
        let tempoFit = inputs.tempo.map(tempoSuitability) ?? 0
        let regularity = inputs.beatIntervalVariation.map { 1 / (1 + ($0 / 0.08) * ($0 / 0.08)) } ?? 0
        let danceability = pulse * (0.5 + 0.5 * tempoFit) * (0.75 + 0.25 * regularity)

        let acousticness = 0.30 * (1 - sigmoid(inputs.spectralCentroid, 1800, 500))
            + 0.25 * (1 - sigmoid(logFlatness, -2, 0.4))
            + 0.25 * (1 - sigmoid(loudness, -14, 3))
            + 0.20 * (inputs.loudnessRange.map { sigmoid($0, 7, 2.5) } ?? 0.5)

        let zcrVariation = inputs.zeroCrossingRateMean > 0 ? inputs.zeroCrossingRateStd / inputs.zeroCrossingRateMean : 0
        let vocalLikeness = 0.6 * sigmoid(inputs.mfccVariability, 11, 2.5) + 0.4 * sigmoid(zcrVariation, 0.5, 0.15)

        return PerceptualScores(energy: clamp(energy), danceability: clamp(danceability),
                                acousticness: clamp(acousticness), instrumentalness: clamp(1 - vocalLikeness))
    }

    /// 1 for 90...130 BPM; outside, a Gaussian in octaves (σ = 0.35 octave) from the nearer edge.
    static func tempoSuitability(_ bpm: Double) -> Double {
        let octaves: Double
        if bpm < 90 { octaves = log2(90 / bpm) } else if bpm > 130 { octaves = log2(bpm / 130) } else { return 1 }
        return exp(-0.5 * (octaves / 0.35) * (octaves / 0.35))
    }

    /// σ(x; centre, width).
    static func sigmoid(_ x: Double, _ centre: Double, _ width: Double) -> Double {
        1 / (1 + exp(-(x - centre) / width))
    }

    private static func clamp(_ x: Double) -> Double { min(1, max(0, x)) }

    private static func validate(_ inputs: ScoreInputs) throws {
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw MusicIndexError.invalidArgument("perceptual scores: \(what)") }
        }
        if let loudness = inputs.integratedLoudness {
            try check(loudness.isFinite, "integrated loudness must be finite LUFS (nil for silence), got \(loudness)")
        }
        if let range = inputs.loudnessRange {
            try check(range.isFinite && range >= 0, "loudness range must be ≥ 0 LU, got \(range)")
        }
        try check(inputs.spectralCentroid.isFinite && inputs.spectralCentroid >= 0, "spectral centroid must be ≥ 0 Hz, got \(inputs.spectralCentroid)")
        try check((0...1).contains(inputs.spectralFlatness), "spectral flatness must lie in 0...1, got \(inputs.spectralFlatness)")
        try check((0...1).contains(inputs.zeroCrossingRateMean), "zero-crossing rate mean must lie in 0...1, got \(inputs.zeroCrossingRateMean)")
        try check(inputs.zeroCrossingRateStd.isFinite && inputs.zeroCrossingRateStd >= 0, "zero-crossing rate deviation must be ≥ 0, got \(inputs.zeroCrossingRateStd)")
        try check(inputs.mfccVariability.isFinite && inputs.mfccVariability >= 0, "MFCC variability must be ≥ 0, got \(inputs.mfccVariability)")
        try check(inputs.onsetRate.isFinite && inputs.onsetRate >= 0, "onset rate must be ≥ 0 per second, got \(inputs.onsetRate)")
        if let tempo = inputs.tempo {
            try check(tempo.isFinite && tempo > 0, "tempo must be > 0 BPM (nil without beats), got \(tempo)")
        }
        try check((0...1).contains(inputs.beatStrength), "beat strength must lie in 0...1, got \(inputs.beatStrength)")
        if let variation = inputs.beatIntervalVariation {
            try check(variation.isFinite && variation >= 0, "beat interval variation must be ≥ 0, got \(variation)")
        }
        try check((0...1).contains(inputs.periodicity), "periodicity must lie in 0...1, got \(inputs.periodicity)")
    }
}
