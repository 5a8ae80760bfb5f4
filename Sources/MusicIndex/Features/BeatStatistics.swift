import Foundation

/// Descriptors of tracked beats: a refined tempo, how much the beats stand out from the
/// onset envelope, and how evenly they are spaced. Not part of librosa; the formulas are
/// given with each property.
public struct BeatStatistics: Sendable, Equatable {
    /// Tempo in BPM from the beats themselves, the product's BPM. nil with fewer than two
    /// beats.
    ///
    /// librosa's estimate is quantised to whole autocorrelation lags (a true 120 BPM click
    /// track reads 117.45 at 22050 Hz / hop 512). Here each beat gets a beat number: the
    /// first is 0 and each next one adds `max(1, round(interval / median interval))`, so a
    /// beat the tracker skipped still counts. With `m` beats and `h = max(1, m / 2)`, the
    /// period in frames is the median over `i` of `(frame[i+h] - frame[i]) / (number[i+h] -
    /// number[i])`: slopes over half the beats, so whole-frame quantisation is divided by
    /// about `m / 2` periods, and a stray beat (librosa often adds one at the very end of a
    /// track) spoils only one of them. `tempo = 60 * sampleRate / (hopLength * period)`;
    /// the 8 s click track reads 119.79, a 60 s one 120.0.
    public let tempo: Double?
    /// How much stronger the onset envelope is at the beats than on average, in 0...1:
    /// `max(0, 1 - mean(envelope) / mean(envelope[beats]))`. 0 when beats are no stronger
    /// than the average frame (or there are none), 0.5 when twice as strong, approaching 1
    /// when nearly all onset strength sits on the beats (a click track reads about 0.9).
    public let beatStrength: Double
    /// Irregularity of the beat grid: the coefficient of variation (population standard
    /// deviation / mean) of the intervals between consecutive beats, ≥ 0, unitless. 0 for
    /// perfectly even beats; whole-frame quantisation alone gives about 0.02 at 120 BPM.
    /// nil with fewer than three beats.
    public let intervalVariation: Double?

    /// - Parameters:
    ///   - beatFrames: beat positions as envelope frames, increasing (e.g. `BeatTracking.frames`).
    ///   - onsetEnvelope: the envelope the beats were tracked in.
    ///   - sampleRate: Hz of the audio, > 0.
    ///   - hopLength: samples per envelope frame, > 0.
    public init(beatFrames: [Int], onsetEnvelope: [Float], sampleRate: Double = 22050, hopLength: Int = 512) throws {
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw MusicIndexError.invalidArgument("beat statistics: sample rate must be positive, got \(sampleRate)")
        }
        guard hopLength > 0 else {
            throw MusicIndexError.invalidArgument("beat statistics: hop length must be positive, got \(hopLength)")
        }
        guard zip(beatFrames, beatFrames.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw MusicIndexError.invalidArgument("beat statistics: beat frames must be strictly increasing")
        }
        guard beatFrames.allSatisfy({ $0 >= 0 && $0 < onsetEnvelope.count }) else {
            throw MusicIndexError.invalidArgument("beat statistics: beat frames must lie within the \(onsetEnvelope.count)-frame onset envelope")
        }
        tempo = Self.tempo(beatFrames: beatFrames, frameRate: sampleRate / Double(hopLength))
        beatStrength = Self.strength(beatFrames: beatFrames, onsetEnvelope: onsetEnvelope)
        intervalVariation = Self.variation(beatFrames: beatFrames)
    }

    public init(_ tracking: BeatTracking, onsetEnvelope: [Float]) throws {
        try self.init(beatFrames: tracking.frames, onsetEnvelope: onsetEnvelope,
                      sampleRate: tracking.sampleRate, hopLength: tracking.hopLength)
    }

    static func tempo(beatFrames: [Int], frameRate: Double) -> Double? {
        guard beatFrames.count >= 2 else { return nil }
        let intervals = zip(beatFrames.dropFirst(), beatFrames).map { Double($0 - $1) }
        let period = median(intervals)
        var numbers = [0.0]
        for interval in intervals {
            numbers.append(numbers.last! + max(1, (interval / period).rounded(.toNearestOrEven)))
        }
        let half = max(1, beatFrames.count / 2)
        let slopes = (0..<(beatFrames.count - half)).map { i in
            Double(beatFrames[i + half] - beatFrames[i]) / (numbers[i + half] - numbers[i])
        }
        return 60.0 * frameRate / median(slopes)
    }

    static func strength(beatFrames: [Int], onsetEnvelope: [Float]) -> Double {
        guard !beatFrames.isEmpty, !onsetEnvelope.isEmpty else { return 0 }
        let overall = onsetEnvelope.reduce(0.0) { $0 + Double($1) } / Double(onsetEnvelope.count)
        let atBeats = beatFrames.reduce(0.0) { $0 + Double(onsetEnvelope[$1]) } / Double(beatFrames.count)
        guard atBeats > 0 else { return 0 }
        return min(1, max(0, 1 - overall / atBeats))
    }

    static func variation(beatFrames: [Int]) -> Double? {
        guard beatFrames.count >= 3 else { return nil }
        let intervals = zip(beatFrames.dropFirst(), beatFrames).map { Double($0 - $1) }
        let mean = intervals.reduce(0, +) / Double(intervals.count)
        let variance = intervals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(intervals.count)
        return variance.squareRoot() / mean
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
