import Foundation

/// Beats tracked in an onset strength envelope.
public struct BeatTracking: Sendable, Equatable {
    /// The tempo in BPM the beats were tracked at: librosa's estimate (quantised to
    /// autocorrelation lags: 117.45 for a true 120 BPM at 22050 Hz / hop 512), or the `bpm`
    /// given to `track`; 0 when the envelope has no onsets. `BeatStatistics.tempo` refines
    /// it from the beats.
    public let bpm: Double
    /// librosa's global tempo estimate (see `TempoEstimator`); nil when a `bpm` was given.
    public let estimate: TempoEstimate?
    /// Beat positions as envelope frame indices, increasing. Empty when the envelope has no
    /// onsets.
    public let frames: [Int]
    /// Hz of the audio the envelope was computed from.
    public let sampleRate: Double
    /// Samples between envelope frames.
    public let hopLength: Int

    /// Beat positions in seconds: `frame * hopLength / sampleRate` (librosa
    /// `frames_to_time`, no centring offset).
    public var times: [Double] { frames.map { Double($0 * hopLength) / sampleRate } }
}

/// Dynamic-programming beat tracker (Ellis 2007).
///
/// Port of librosa 0.11 `beat.beat_track(onset_envelope=…, sr, hop_length, start_bpm=120,
/// tightness=100, trim=True, units='frames')`, which expects the onset envelope librosa
/// computes with `onset_strength(aggregate=np.median)`:
///
/// 1. tempo from `TempoEstimator` (unless given); `frames_per_beat = round(sr / hop * 60 / bpm)`
///    (round half to even);
/// 2. the envelope divided by its standard deviation (`ddof=1`) is convolved with a Gaussian
///    `exp(-0.5 (32 k / fpb)²)`, `k = -fpb…fpb`. librosa's loop skips the envelope's first
///    value in every sum, and this port does the same;
/// 3. cumulative score: each frame adds the best predecessor `loc` in
///    `i - round(fpb/2)` down to `i - 2 fpb`, scored `cum[loc] - tightness (ln(i-loc) - ln fpb)²`
///    (first strictly greater wins, scanning backwards); frames before the first local
///    score of at least 1 % of the maximum start no chain;
/// 4. the last beat is the last local maximum of the cumulative score that reaches half
///    the median of those maxima; beats are followed back from it;
/// 5. `trim`: leading and trailing frames whose local score is at most half the RMS of the
///    Hann(5)-smoothed beat scores are dropped.
///
/// The arithmetic follows librosa's order where it decides exact ties (numpy's pairwise
/// summation for the standard deviation, `tightness` rounded to `Float` as numba receives
/// it), so beats agree frame for frame, not just approximately. Degenerate inputs that
/// librosa fails on return no beats here: fewer than two frames, or a tempo above
/// `60 * sampleRate / hopLength` BPM (less than one frame per beat).
public enum BeatTracker {
    /// - Parameters:
    ///   - onsetEnvelope: onset strength per frame, finite (librosa's median-aggregated
    ///     `onset_strength` for equal results).
    ///   - sampleRate: Hz of the audio, > 0.
    ///   - hopLength: samples per envelope frame, > 0.
    ///   - startBPM: tempo prior centre for `TempoEstimator`, > 0.
    ///   - tightness: how strictly beats keep the tempo, > 0.
    ///   - trim: drop weak leading and trailing beats.
    ///   - bpm: a known tempo to track at instead of estimating one, > 0.
    public static func track(onsetEnvelope: [Float], sampleRate: Double = 22050, hopLength: Int = 512,
                             startBPM: Double = 120, tightness: Double = 100, trim: Bool = true,
                             bpm: Double? = nil) throws -> BeatTracking {
        guard tightness.isFinite, tightness > 0 else {
            throw MusicIndexError.invalidArgument("beat tracking: tightness must be strictly positive, got \(tightness)")
        }
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw MusicIndexError.invalidArgument("beat tracking: sample rate must be positive, got \(sampleRate)")
        }
        guard hopLength > 0 else {
            throw MusicIndexError.invalidArgument("beat tracking: hop length must be positive, got \(hopLength)")
        }
        guard onsetEnvelope.allSatisfy(\.isFinite) else {
            throw MusicIndexError.invalidArgument("beat tracking: the onset envelope holds non-finite values")
        }
        if let bpm, !(bpm.isFinite && bpm > 0) {
            throw MusicIndexError.invalidArgument("beat tracking: bpm=\(bpm) must be strictly positive")
        }
        guard onsetEnvelope.contains(where: { $0 != 0 }) else {
            // No onsets at all: librosa returns tempo 0 and no beats.
            let none = TempoEstimate(bpm: 0, lag: 0, periodicity: 0)
            return BeatTracking(bpm: 0, estimate: none, frames: [], sampleRate: sampleRate, hopLength: hopLength)
        }
        let estimate: TempoEstimate? = bpm == nil
            ? try TempoEstimator.estimate(onsetEnvelope: onsetEnvelope, sampleRate: sampleRate,
                                          hopLength: hopLength, startBPM: startBPM)
            : nil
        let tempo = bpm ?? estimate!.bpm
        let frameRate = sampleRate / Double(hopLength)
        let framesPerBeat = (frameRate * 60.0 / tempo).rounded(.toNearestOrEven)
        let envelope = onsetEnvelope.map(Double.init)
        // A beat period must span at least one frame, and the tracker needs two frames.
        guard framesPerBeat >= 1, envelope.count >= 2 else {
            return BeatTracking(bpm: tempo, estimate: estimate, frames: [], sampleRate: sampleRate, hopLength: hopLength)
        }
        let period = Int(framesPerBeat)
        let local = localScore(normalizedOnsets(envelope), framesPerBeat: period)
        let (backlink, cumulative) = dynamicProgram(local, framesPerBeat: period, tightness: tightness)
        var beats = [Bool](repeating: false, count: envelope.count)
        var n = lastBeat(cumulative)
        while n >= 0 {
            beats[n] = true
            n = backlink[n]
        }
        trimBeats(local, &beats, trim: trim)
        return BeatTracking(bpm: tempo, estimate: estimate, frames: beats.indices.filter { beats[$0] },
                            sampleRate: sampleRate, hopLength: hopLength)
    }

    /// `onsets / (std(onsets, ddof=1) + tiny)`, summed in numpy's order.
    static func normalizedOnsets(_ onsets: [Double]) -> [Double] {
        let n = Double(onsets.count)
        let mean = PairwiseSum.sum(onsets) / n
        let squares = onsets.map { ($0 - mean) * ($0 - mean) }
        let norm = (PairwiseSum.sum(squares) / (n - 1)).squareRoot() + Double.leastNormalMagnitude
        return onsets.map { $0 / norm }
    }

    /// librosa's `__beat_local_score` for a constant tempo, including its loop bound
    /// `k < min(i + K/2, K)`, which leaves `onsets[0]` out of every sum.
    static func localScore(_ onsets: [Double], framesPerBeat fpb: Int) -> [Double] {
        let window = (-fpb...fpb).map { k -> Double in
            let x = Double(k) * 32.0 / Double(fpb)
            return exp(-0.5 * (x * x))
        }
        let count = onsets.count, K = window.count, half = K / 2
        return (0..<count).map { i in
            var sum = 0.0
            var k = max(0, i + half - count + 1)
            while k < min(i + half, K) {
                sum += window[k] * onsets[i + half - k]
                k += 1
            }
            return sum
        }
    }

    /// librosa's `__beat_track_dp`: backlinks (-1 = chain start) and cumulative scores.
    static func dynamicProgram(_ local: [Double], framesPerBeat fpb: Int, tightness: Double) -> (backlink: [Int], cumulative: [Double]) {
        let count = local.count
        var backlink = [Int](repeating: -1, count: count)
        var cumulative = [Double](repeating: 0, count: count)
        let threshold = 0.01 * (local.max() ?? 0)
        // librosa passes tightness to numba as float32.
        let tight = Double(Float(tightness))
        let logPeriod = log(Double(fpb))
        let nearest = Int((Double(fpb) / 2).rounded(.toNearestOrEven))
        var firstBeat = true
        for i in 0..<count {
            var bestScore = -Double.infinity, location = -1
            var loc = i - nearest
            while loc > i - 2 * fpb - 1 {
                if loc < 0 { break }
                let deviation = log(Double(i - loc)) - logPeriod
                let score = cumulative[loc] - tight * (deviation * deviation)
                if score > bestScore { bestScore = score; location = loc }
                loc -= 1
            }
            cumulative[i] = location >= 0 ? local[i] + bestScore : local[i]
            if firstBeat && local[i] < threshold {
                backlink[i] = -1
            } else {
                backlink[i] = location
                firstBeat = false
            }
        }
        return (backlink, cumulative)
    }

    /// librosa's `__last_beat`: the last local maximum of the cumulative score at or above
    /// half the median of all its local maxima (the last frame when there is none).
    static func lastBeat(_ cumulative: [Double]) -> Int {
        let count = cumulative.count
        // util.localmax: x[i] > x[i-1] and x[i] >= x[i+1]; never the first frame (numba
        // stencil border); the last frame when it exceeds the one before.
        var isMax = [Bool](repeating: false, count: count)
        if count >= 3 {
            for i in 1..<(count - 1) { isMax[i] = cumulative[i] > cumulative[i - 1] && cumulative[i] >= cumulative[i + 1] }
        }
        isMax[count - 1] = cumulative[count - 1] > cumulative[count - 2]
        let maxima = cumulative.indices.filter { isMax[$0] }.map { cumulative[$0] }.sorted()
        guard !maxima.isEmpty else { return count - 1 }
        let middle = maxima.count / 2
        let median = maxima.count % 2 == 1 ? maxima[middle] : (maxima[middle - 1] + maxima[middle]) / 2
        let threshold = 0.5 * median
        var n = count - 1
        while n >= 0 {
            if isMax[n] && cumulative[n] >= threshold { return n }
            n -= 1
        }
        return count - 1
    }

    /// librosa's `__trim_beats`.
    static func trimBeats(_ local: [Double], _ beats: inout [Bool], trim: Bool) {
        let count = local.count
        var threshold = 0.0
        if trim {
            // np.convolve(localscore[beats], np.hanning(5))[2 : count + 2]
            let values = local.indices.filter { beats[$0] }.map { local[$0] }
            let hanning = (0..<5).map { 0.5 + 0.5 * cos(Double.pi * Double(2 * $0 - 4) / 4) }
            let full = values.isEmpty ? [] : (0..<(values.count + 4)).map { j -> Double in
                var sum = 0.0
                for k in 0..<5 where j - k >= 0 && j - k < values.count { sum += values[j - k] * hanning[k] }
                return sum
            }
            let smooth = full.count > 2 ? Array(full[2..<min(count + 2, full.count)]) : []
            if !smooth.isEmpty {
                threshold = 0.5 * (smooth.reduce(0) { $0 + $1 * $1 } / Double(smooth.count)).squareRoot()
            }
        }
        var n = 0
        while n < count, local[n] <= threshold { beats[n] = false; n += 1 }
        n = count - 1
        while n >= 0, local[n] <= threshold { beats[n] = false; n -= 1 }
    }
}
