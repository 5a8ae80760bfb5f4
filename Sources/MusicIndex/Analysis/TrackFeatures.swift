/// The engineered description of one track: rhythm, loudness, timbre, harmony and four
/// 0...1 perceptual scores, computed from the analysed spans (see `AnalysisWindows`).
///
/// Frame-wise descriptors are averaged over every analysed frame. Values that do not
/// exist for a track are nil: the loudness of digital silence, the tempo of a track without
/// beats, the key of a track without pitched content.
public struct TrackFeatures: Sendable, Equatable, Codable {
    /// Seconds of audio the features were computed from.
    public var analysedSeconds: Double

    /// Beats per minute, from the tracked beats (least-squares beat period).
    public var tempo: Double?
    /// How strongly the beats stand out of the onset envelope (0...1, see `BeatTracker`).
    public var beatStrength: Double?
    /// Detected onsets per second.
    public var onsetRate: Double

    /// Integrated loudness, LUFS (ITU-R BS.1770-4 / EBU R128), at the file's own rate and
    /// channels.
    public var loudness: Double?
    /// Loudness range, LU (EBU Tech 3342).
    public var loudnessRange: Double?
    /// Mean frame RMS of the analysis signal (librosa.feature.rms), linear.
    public var rms: Double

    /// Means over frames: spectral centroid, bandwidth and roll-off (85 %) in Hz, spectral
    /// flatness (0...1) and zero-crossing rate (crossings per sample).
    public var spectralCentroid: Double
    public var spectralBandwidth: Double
    public var spectralRolloff: Double
    public var spectralFlatness: Double
    public var zeroCrossingRate: Double

    /// Mean and standard deviation over frames of the 13 MFCCs.
    public var mfccMean: [Double]
    public var mfccStd: [Double]
    /// Mean chroma (C, C#, ..., B), each 0...1.
    public var chromaMean: [Double]
    /// Estimated key ("C", "F#", ...), mode ("major" or "minor") and the confidence of the
    /// estimate (correlation with the best key profile, -1...1).
    public var key: String?
    public var mode: String?
    public var keyConfidence: Double?

    /// Perceptual scores, 0...1 (formulas in `PerceptualScores`); nil for silence.
    public var energy: Double?
    public var danceability: Double?
    public var acousticness: Double?
    public var instrumentalness: Double?
}
