internal import CKernels
/// The short-time Fourier transform as librosa 0.11 computes it with
/// `librosa.stft(y, n_fft, hop_length, win_length=None, window='hann', center=True,
/// pad_mode='constant')`: the signal is padded with nFFT/2 zeros on each side, cut into frames
/// of nFFT samples every hopLength samples, each frame multiplied by the periodic Hann window
/// (`Window.hann`) and transformed with an unnormalised real FFT (bins 0...nFFT/2).
///
/// Frame count: `1 + (n + 2·(nFFT/2) − nFFT) / hopLength` (integer division), which for the
/// even nFFT required here is `1 + n / hopLength`; frame t is centred on sample t·hopLength.
/// librosa pads head and tail separately since 0.10, with the same result. Signals shorter
/// than nFFT are fine (librosa warns but computes them): 1000 samples give 2 frames. An
/// empty signal gives one all-zero frame, as librosa (its padded signal is exactly nFFT long).
///
/// Precision: float32 FFT (FFTW) of float32 samples; against librosa's float64 STFT of the
/// same samples the magnitudes agree to within 3e-7 of each frame's peak (fixtures `odd`, `short`).
public enum STFT {
    /// Frames of a centred STFT of `sampleCount` samples: `1 + sampleCount / hopLength`
    /// (nFFT even). librosa: `1 + (len(y) + 2 * (n_fft // 2) - n_fft) // hop_length`.
    public static func frameCount(sampleCount: Int, nFFT: Int = 2048, hopLength: Int = 512) -> Int {
        precondition(sampleCount >= 0 && nFFT >= 2 && nFFT % 2 == 0 && hopLength >= 1, "invalid STFT framing")
        return 1 + (sampleCount + 2 * (nFFT / 2) - nFFT) / hopLength
    }

    /// Centre frequency of each STFT bin (Hz), 1 + nFFT/2 values `k · sampleRate / nFFT`.
    /// Port of `librosa.fft_frequencies` (= `numpy.fft.rfftfreq(n_fft, d=1/sr)`, same arithmetic).
    public static func fftFrequencies(sampleRate: Int, nFFT: Int) -> [Double] {
        let spacing = 1.0 / (Double(nFFT) * (1.0 / Double(sampleRate)))
        return (0...(nFFT / 2)).map { Double($0) * spacing }
    }

    /// |STFT|² as a [1 + nFFT/2, frames] matrix (librosa `np.abs(stft(y)) ** 2`). Of the
    /// parameters only nFFT and hopLength matter (all are validated).
    public static func powerSpectrogram(_ y: [Float], parameters: SpectrogramParameters = .init()) throws -> FeatureMatrix {
        try parameters.validate()
        return spectrogram(y, parameters: parameters, magnitude: false)
    }

    /// |STFT| as a [1 + nFFT/2, frames] matrix (librosa `np.abs(stft(y))`), the input of the
    /// spectral features. The root is `VectorMath.squareRoot` (within 2e-7 relative).
    public static func magnitudeSpectrogram(_ y: [Float], parameters: SpectrogramParameters = .init()) throws -> FeatureMatrix {
        try parameters.validate()
        return spectrogram(y, parameters: parameters, magnitude: true)
    }

    private static func spectrogram(_ y: [Float], parameters: SpectrogramParameters, magnitude: Bool) -> FeatureMatrix {
        let frames = STFTFrames(nFFT: parameters.nFFT, hopLength: parameters.hopLength)
        let columns = frames.frameCount(sampleCount: y.count), rows = parameters.binCount
        var result = FeatureMatrix(rows: rows, columns: columns)
        result.withUnsafeMutableValues { out in
            y.withUnsafeBufferPointer { samples in
                frames.forEachPowerSpectrum(of: samples) { t, power in
                    let p = power.baseAddress!
                    if magnitude { VectorMath.squareRoot(p, into: p, count: rows) }
                    for k in 0..<rows { out[k * columns + t] = p[k] }
                }
            }
        }
        return result
    }
}

/// The frame loop shared by every STFT-based feature: windows each centred frame, runs the
/// FFT and hands over the frame's power spectrum, without allocating per frame. One value
/// may be used from several threads at once (each call makes its own FFT workspace).
struct STFTFrames: Sendable {
    let nFFT: Int
    let hopLength: Int
    /// Periodic Hann window of nFFT samples, in Double: each windowed sample is rounded to
    /// Float once (rounding the window first would add a second, equally large noise term).
    let window: [Double]
    let fft: RealFFT

    /// nFFT must be even and >= 2, hopLength >= 1 (SpectrogramParameters.validate checks).
    init(nFFT: Int, hopLength: Int) {
        self.nFFT = nFFT
        self.hopLength = hopLength
        window = Window.hannDouble(nFFT)
        fft = RealFFT.shared(size: nFFT)
    }

    var binCount: Int { nFFT / 2 + 1 }

    func frameCount(sampleCount: Int) -> Int {
        STFT.frameCount(sampleCount: sampleCount, nFFT: nFFT, hopLength: hopLength)
    }

    /// Calls `body(t, power)` for t = 0 ..< frameCount in order, where `power[k]` =
    /// |X_t[k]|² = re² + im² for k in 0...nFFT/2. The buffer is reused: it is valid only
    /// during the call, and `body` may overwrite it.
    func forEachPowerSpectrum(of y: UnsafeBufferPointer<Float>,
                              _ body: (Int, UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let power = UnsafeMutablePointer<Float>.allocate(capacity: binCount)
        defer { power.deallocate() }
        try forEachPowerSpectrum(of: y, into: power, slots: 1, body)
    }

    /// Frames windowed, transformed and squared a group at a time: each stage runs over the
    /// group's frames before the next starts, so FFTW's transforms run back to back. Called
    /// one frame at a time between the other per-frame loops, the same transforms took 60 %
    /// longer in some builds of the program than in others (7.6 % against 4.5 % of a profile,
    /// whatever the buffers' addresses: the code around the calls, not the data, made the
    /// difference); in groups of eight they run at the fast speed in both builds tried
    /// (the STFT stage -21 % on 12 tracks). The values are the same either way.
    static let transformGroup = 8

    /// `forEachPowerSpectrum(of:_:)` writing frame t's power spectrum into slot t % `slots` of
    /// `block` (slots of binCount values, one after the other), where it stays after the call:
    /// a caller gathering blocks of frames needs no copy.
    func forEachPowerSpectrum(of y: UnsafeBufferPointer<Float>, into block: UnsafeMutablePointer<Float>, slots: Int,
                              _ body: (Int, UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let workspaces = (0..<Self.transformGroup).map { _ in fft.makeWorkspace() }
        let bins = binCount, n = nFFT, half = nFFT / 2, length = y.count
        let total = frameCount(sampleCount: length)
        try window.withUnsafeBufferPointer { windowBuffer in
            let w = windowBuffer.baseAddress!
            var first = 0
            while first < total {
                let count = min(Self.transformGroup, total - first)
                for i in 0..<count {
                    // Frame t covers padded samples t·hop ..< t·hop + n, i.e. y[start ..< start + n]
                    // with zeros outside the signal.
                    let t = first + i, input = workspaces[i].input.baseAddress!
                    let start = t * hopLength - half
                    // The samples frame t + 4 adds, read from memory while this frame is windowed.
                    let ahead = start + 4 * hopLength + n - hopLength
                    if ahead >= 0 && ahead + hopLength <= length {
                        musicindex_prefetch(y.baseAddress! + ahead, hopLength * MemoryLayout<Float>.size)
                    }
                    let lo = min(n, max(0, -start))
                    let hi = max(lo, min(n, length - start))
                    if lo > 0 { input.update(repeating: 0, count: lo) }
                    if hi > lo { VectorMath.multiply(y.baseAddress! + (start + lo), by: w + lo, into: input + lo, count: hi - lo) }
                    if hi < n { (input + hi).update(repeating: 0, count: n - hi) }
                }
                for i in 0..<count { fft.transform(workspaces[i]) }
                for i in 0..<count {
                    let t = first + i
                    let power = UnsafeMutableBufferPointer(start: block + (t % slots) * bins, count: bins)
                    VectorMath.squaredMagnitudes(workspaces[i].output.baseAddress!, into: power.baseAddress!, count: bins)
                    try body(t, power)
                }
                first += count
            }
        }
    }
}
