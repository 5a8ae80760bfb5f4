import Foundation

/// A global tempo estimate from an onset strength envelope.
public struct TempoEstimate: Sendable, Equatable {
    /// Beats per minute, `60 * sampleRate / (hopLength * lag)`: quantised to whole
    /// autocorrelation lags (a true 120 BPM reads 117.45 at 22050 Hz / hop 512), between
    /// `maxTempo` and about 7.5 BPM. 0 for an envelope with no onsets (librosa's convention).
    public let bpm: Double
    /// The winning autocorrelation lag in envelope frames (0 when `bpm` is 0).
    public let lag: Int
    /// The time-averaged, per-frame peak-normalised onset autocorrelation at `lag`: how
    /// strongly the envelope repeats at the chosen period ("pulse clarity"). In 0...1 for a
    /// non-negative envelope such as librosa's `onset_strength` (-1...1 otherwise); 0 when
    /// `bpm` is 0. Click tracks read about 0.7, weakly rhythmic material under 0.3.
    public let periodicity: Double
}

/// Global tempo from the onset autocorrelation tempogram.
///
/// Port of librosa 0.11 `feature.tempo(onset_envelope=…, sr, hop_length, start_bpm=120,
/// std_bpm=1, ac_size=8, max_tempo=320, aggregate=np.mean, prior=None)` and of the
/// `feature.tempogram` it calls:
///
/// 1. the window is `win = int(ac_size * sr) // hop` frames (344 at 22050 Hz / hop 512;
///    not `tempogram`'s own default of 384);
/// 2. the envelope is padded by `win // 2` frames on each side with a linear ramp from 0
///    (`np.pad(mode='linear_ramp')`), cut into `n` frames of `win` values at hop 1, each
///    multiplied by a periodic Hann window;
/// 3. each frame's autocorrelation (lags `0..<win`) is divided by its largest magnitude
///    (the lag-0 value; frames below the smallest normal `Double` are left as they are);
/// 4. the frames are averaged, and the lag maximising
///    `log1p(1e6 * ac[lag]) - 0.5 * (log2(bpm[lag]) - log2(start_bpm))² / std_bpm²`
///    wins, lags whose tempo is at or above `max_tempo` (and lag 0) excluded; ties go to
///    the smallest lag, as `np.argmax`.
///
/// librosa computes the autocorrelation with an FFT. Here the mean tempogram comes from
/// sliding sums that the Hann window makes possible (`meanTempogramSliding`: a few dozen
/// flops per lag and frame, about 30 times less work than summing each frame's
/// autocorrelation), each value within about 1e-9 of the direct Double computation; when that
/// leaves the winning lag in doubt (see `argmax(_:logPriors:error:)`), the direct sums over
/// the nonzero values of each frame decide (`n · win² / 2` multiply-adds at most: about
/// 0.8 G for five minutes at the defaults), so the tempo is always the direct Double
/// computation's.
public enum TempoEstimator {
    /// - Parameters:
    ///   - onsetEnvelope: onset strength per frame (e.g. librosa `onset_strength`, any
    ///     non-negative scale), finite.
    ///   - sampleRate: Hz of the audio the envelope was computed from, > 0.
    ///   - hopLength: samples between envelope frames, > 0.
    ///   - startBPM: centre of the log-normal tempo prior, > 0.
    ///   - stdBPM: width of the prior in octaves, > 0.
    ///   - acSize: autocorrelation window in seconds, > 0, at least one frame.
    ///   - maxTempo: tempos at or above it are never chosen, > 0; nil for no limit.
    public static func estimate(onsetEnvelope: [Float], sampleRate: Double = 22050, hopLength: Int = 512,
                                startBPM: Double = 120, stdBPM: Double = 1, acSize: Double = 8,
                                maxTempo: Double? = 320) throws -> TempoEstimate {
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw MusicIndexError.invalidArgument("tempo: sample rate must be positive, got \(sampleRate)")
        }
        guard hopLength > 0 else {
            throw MusicIndexError.invalidArgument("tempo: hop length must be positive, got \(hopLength)")
        }
        guard startBPM.isFinite, startBPM > 0 else {
            throw MusicIndexError.invalidArgument("tempo: start_bpm must be strictly positive, got \(startBPM)")
        }
        guard stdBPM.isFinite, stdBPM > 0 else {
            throw MusicIndexError.invalidArgument("tempo: std_bpm must be strictly positive, got \(stdBPM)")
        }
        if let maxTempo, !(maxTempo > 0) {
            throw MusicIndexError.invalidArgument("tempo: max_tempo must be positive, got \(maxTempo)")
        }
        let window = Int(acSize * sampleRate) / hopLength
        guard acSize.isFinite, window >= 1 else {
            throw MusicIndexError.invalidArgument("tempo: ac_size \(acSize) s is shorter than one \(hopLength)-sample frame")
        }
        guard onsetEnvelope.allSatisfy(\.isFinite) else {
            throw MusicIndexError.invalidArgument("tempo: the onset envelope holds non-finite values")
        }
        guard onsetEnvelope.contains(where: { $0 != 0 }) else {
            return TempoEstimate(bpm: 0, lag: 0, periodicity: 0)
        }
        // bpms[0] = inf; bpms[k] = 60 sr / (hop k).
        let bpms = [Double.infinity] + (1..<window).map { 60.0 * sampleRate / (Double(hopLength) * Double($0)) }
        var firstAllowed = 1
        if let maxTempo {
            // np.argmax(bpms < max_tempo): 0 when no tempo is below the limit.
            firstAllowed = bpms.firstIndex(where: { $0 < maxTempo }) ?? 0
        }
        let logPriors = (0..<window).map { lag -> Double in
            guard lag > 0 && lag >= firstAllowed else { return -.infinity }
            let octaves = (log2(bpms[lag]) - log2(startBPM)) / stdBPM
            return -0.5 * octaves * octaves
        }
        // The tempogram from sliding sums first (see `meanTempogramSliding`); its lag is taken
        // only when no other lag could win within its error bound, else the direct Double
        // tempogram decides, so the chosen lag is always the direct computation's.
        let sliding = meanTempogramSliding(onsetEnvelope, window: window)
        var tempogram = sliding.mean
        var best = argmax(tempogram, logPriors: logPriors, error: sliding.errorBound)
        if best == nil {
            tempogram = meanTempogram(onsetEnvelope.map(Double.init), window: window)
            best = argmax(tempogram, logPriors: logPriors, error: 0)
        }
        guard let best, best != 0 else {
            // Every lag excluded (a window too short for max_tempo): librosa's argmax picks 0, i.e. inf BPM.
            throw MusicIndexError.invalidArgument("tempo: no autocorrelation lag of \(window) frames lies below max_tempo \(maxTempo ?? .infinity) BPM")
        }
        return TempoEstimate(bpm: bpms[best], lag: best, periodicity: tempogram[best])
    }

    /// The lag maximising `log1p(1e6 * tempogram[lag]) + logPriors[lag]` (ties to the smallest
    /// lag), or nil when another lag's score could exceed it once each tempogram value may be
    /// off by up to `error`. With `error` 0 it always answers; 0 when every lag is excluded.
    static func argmax(_ tempogram: [Double], logPriors: [Double], error: Double) -> Int? {
        var best = -1, bestScore = -Double.infinity
        for lag in 0..<tempogram.count {
            let score = log1p(1e6 * tempogram[lag]) + logPriors[lag]
            if best < 0 || score > bestScore { best = lag; bestScore = score }
        }
        guard error > 0, logPriors[best] > -.infinity else { return best }
        // The best lag's lowest possible score against every other lag's highest.
        let lowest = log1p(1e6 * max(0, tempogram[best] - error)) + logPriors[best]
        for lag in 0..<tempogram.count where lag != best && logPriors[lag] > -.infinity {
            // (A NaN score, which only a negative tempogram value gives, could win too.)
            if !(log1p(1e6 * (tempogram[lag] + error)) + logPriors[lag] < lowest) { return nil }
        }
        return best
    }

    /// The envelope padded for centred frames and the frames' window, in the envelope's
    /// precision (computed in Double).
    static func framing<Value: BinaryFloatingPoint>(_ envelope: [Value], window: Int) -> (padded: [Value], hann: [Value]) {
        let n = envelope.count, pad = window / 2
        // np.pad(mode='linear_ramp', end_values=0): pad[i] = edge * i / pad on the left,
        // mirrored on the right.
        var padded = [Value](repeating: 0, count: n + 2 * pad)
        if pad > 0 {
            let leftStep = Double(envelope[0]) / Double(pad), rightStep = Double(envelope[n - 1]) / Double(pad)
            for i in 0..<pad {
                padded[i] = Value(Double(i) * leftStep)
                padded[n + 2 * pad - 1 - i] = Value(Double(i) * rightStep)
            }
        }
        for i in 0..<n { padded[pad + i] = envelope[i] }
        // scipy get_window('hann', window, fftbins=True): 0.5 + 0.5 cos(linspace(-π, π, window + 1))[:window].
        let step = 2 * Double.pi / Double(window)
        let hann = (0..<window).map { Value(0.5 + 0.5 * cos(Double($0) * step - Double.pi)) }
        return (padded, hann)
    }

    /// librosa's `tempogram(win_length=window, center=True, window='hann', norm=inf)` averaged
    /// over frames: one value per lag `0..<window`.
    static func meanTempogram(_ envelope: [Double], window: Int) -> [Double] {
        var mean = [Double](repeating: 0, count: window)
        mean.withUnsafeMutableBufferPointer { mean in
            _ = forEachFrameAutocorrelation(envelope, window: window, lanes: SIMD4<Double>.self) { r, _ in
                // norm=inf: divide by the largest magnitude unless it is below tiny. That is the
                // lag-0 value Σ x², since |Σ x[i] x[i + lag]| <= Σ x² (Cauchy–Schwarz); rounding
                // could only move a lag within an ulp of it.
                let peak = r[0]
                let length = peak < Double.leastNormalMagnitude ? 1.0 : peak
                accumulate(r.baseAddress!, dividedBy: length, into: mean.baseAddress!, count: window)
                return true
            }
        }
        return mean.map { $0 / Double(envelope.count) }
    }

    /// For each of the envelope's centred frames (one per envelope value): the frame times the
    /// Hann window (`x`) and its autocorrelation over lags 0..<window (`r`), handed to `body`
    /// until it returns false. Returns whether every frame was handed over.
    @inline(__always)
    private static func forEachFrameAutocorrelation<Lanes: SIMD>(
        _ envelope: [Lanes.Scalar], window: Int, lanes: Lanes.Type,
        _ body: (UnsafeMutableBufferPointer<Lanes.Scalar>, UnsafeMutableBufferPointer<Lanes.Scalar>) -> Bool
    ) -> Bool where Lanes.Scalar: BinaryFloatingPoint {
        let (padded, hann) = framing(envelope, window: window)
        var frame = [Lanes.Scalar](repeating: 0, count: window)
        var autocorrelation = [Lanes.Scalar](repeating: 0, count: window)
        var nonzero = [Int](repeating: 0, count: window)
        return padded.withUnsafeBufferPointer { source in
            frame.withUnsafeMutableBufferPointer { x in
                autocorrelation.withUnsafeMutableBufferPointer { r in
                    hann.withUnsafeBufferPointer { hann in
                        for t in 0..<envelope.count {
                            for i in 0..<window { x[i] = source[t + i] * hann[i] }
                            r.update(repeating: 0)
                            autocorrelate(UnsafePointer(x.baseAddress!), count: window, into: r.baseAddress!,
                                          nonzero: &nonzero, lanes: Lanes.self)
                            if !body(r, x) { return false }
                        }
                        return true
                    }
                }
            }
        }
    }

    /// r[lag] += Σ_i x[i] x[i + lag] for lag in 0..<count, over the i with x[i] != 0 (onset
    /// envelopes are mostly zero), each r[lag] receiving its terms in order of i.
    ///
    /// The loop over lags is the inner one, so it vectorises, and four nonzero values of i
    /// share each pass: r[lag] is loaded and stored once per four terms instead of once per
    /// term. Each r[lag] still adds the same terms in the same order as one pass per i, so the
    /// sums are the same to the last bit. `nonzero` is scratch space of at least `count` values.
    static func autocorrelate(_ x: UnsafePointer<Double>, count: Int, into r: UnsafeMutablePointer<Double>,
                              nonzero: inout [Int]) {
        autocorrelate(x, count: count, into: r, nonzero: &nonzero, lanes: SIMD4<Double>.self)
    }

    /// The autocorrelation loop for either precision, `Lanes.scalarCount` lags per pass.
    @inline(__always)
    private static func autocorrelate<Lanes: SIMD>(_ x: UnsafePointer<Lanes.Scalar>, count: Int,
                                                   into r: UnsafeMutablePointer<Lanes.Scalar>, nonzero: inout [Int],
                                                   lanes: Lanes.Type) where Lanes.Scalar: BinaryFloatingPoint {
        @inline(__always) func load(_ pointer: UnsafePointer<Lanes.Scalar>) -> Lanes {
            UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
        }
        let width = Lanes.scalarCount
        var found = 0
        for i in 0..<count where x[i] != 0 {
            nonzero[found] = i
            found += 1
        }
        var j = 0
        while j + 4 <= found {
            let i0 = nonzero[j], i1 = nonzero[j + 1], i2 = nonzero[j + 2], i3 = nonzero[j + 3]
            let x0 = x[i0], x1 = x[i1], x2 = x[i2], x3 = x[i3]
            let t0 = x + i0, t1 = x + i1, t2 = x + i2, t3 = x + i3
            // Lags all four terms reach (i3 is the largest index, so the shortest tail).
            let shared = count - i3
            var lag = 0
            while lag + width <= shared {
                var sum = load(r + lag)
                sum += x0 * load(t0 + lag)
                sum += x1 * load(t1 + lag)
                sum += x2 * load(t2 + lag)
                sum += x3 * load(t3 + lag)
                UnsafeMutableRawPointer(r + lag).storeBytes(of: sum, as: Lanes.self)
                lag += width
            }
            while lag < count - i0 {
                var sum = r[lag]
                sum += x0 * t0[lag]
                if lag < count - i1 { sum += x1 * t1[lag] }
                if lag < count - i2 { sum += x2 * t2[lag] }
                if lag < count - i3 { sum += x3 * t3[lag] }
                r[lag] = sum
                lag += 1
            }
            j += 4
        }
        while j < found {
            let i = nonzero[j], xi = x[i], tail = x + i
            for lag in 0..<(count - i) { r[lag] += xi * tail[lag] }
            j += 1
        }
    }

    /// mean[i] += r[i] / divisor for i in 0..<count, four lanes at a time.
    @inline(__always)
    private static func accumulate(_ r: UnsafePointer<Double>, dividedBy divisor: Double,
                                   into mean: UnsafeMutablePointer<Double>, count: Int) {
        var i = 0
        while i + 4 <= count {
            let sum = load(mean + i) + load(r + i) / divisor
            UnsafeMutableRawPointer(mean + i).storeBytes(of: sum, as: SIMD4<Double>.self)
            i += 4
        }
        while i < count {
            mean[i] += r[i] / divisor
            i += 1
        }
    }

    @inline(__always)
    private static func load(_ pointer: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
        load(UnsafePointer(pointer))
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }
}
