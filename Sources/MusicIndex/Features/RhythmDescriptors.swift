import Foundation

/// Every rhythm descriptor of one onset strength envelope: librosa's tempo and beats, the
/// refined tempo and beat statistics, and the onset rate.
public struct RhythmDescriptors: Sendable, Equatable {
    /// Refined tempo in BPM from the beats (`BeatStatistics.tempo`), the product's BPM; nil
    /// with fewer than two beats.
    public let tempo: Double?
    /// librosa's `beat_track` tempo in BPM (quantised to autocorrelation lags); 0 without onsets.
    public let librosaTempo: Double
    /// Time-averaged normalised onset autocorrelation at librosa's tempo lag, 0...1
    /// (`TempoEstimate.periodicity`, negative values of envelopes with negative values
    /// clamped to 0); 0 without onsets.
    public let periodicity: Double
    /// Beat positions as envelope frames (librosa `beat_track`, trim=True).
    public let beatFrames: [Int]
    /// Beat positions in seconds.
    public let beatTimes: [Double]
    /// 0...1, see `BeatStatistics.beatStrength`.
    public let beatStrength: Double
    /// Coefficient of variation of inter-beat intervals, see `BeatStatistics.intervalVariation`.
    public let beatIntervalVariation: Double?
    /// Onsets per second (`OnsetDetector.rate`).
    public let onsetRate: Double
    /// Onset positions as envelope frames (librosa `onset_detect`).
    public let onsetFrames: [Int]

    /// Runs `BeatTracker`, `BeatStatistics` and `OnsetDetector` with librosa's defaults on
    /// one envelope (librosa's `beat_track` uses the median-aggregated `onset_strength`).
    public init(onsetEnvelope: [Float], sampleRate: Double = 22050, hopLength: Int = 512) throws {
        let beats = try BeatTracker.track(onsetEnvelope: onsetEnvelope, sampleRate: sampleRate, hopLength: hopLength)
        let statistics = try BeatStatistics(beats, onsetEnvelope: onsetEnvelope)
        let onsets = try OnsetDetector.onsets(onsetEnvelope: onsetEnvelope, sampleRate: sampleRate, hopLength: hopLength)
        tempo = statistics.tempo
        librosaTempo = beats.bpm
        periodicity = max(0, beats.estimate?.periodicity ?? 0)
        beatFrames = beats.frames
        beatTimes = beats.times
        beatStrength = statistics.beatStrength
        beatIntervalVariation = statistics.intervalVariation
        onsetFrames = onsets
        onsetRate = OnsetDetector.rate(onsetCount: onsets.count, frames: onsetEnvelope.count, sampleRate: sampleRate, hopLength: hopLength)
    }
}
