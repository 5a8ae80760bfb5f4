import Foundation
import CKernels
import Testing
@testable import MusicIndex

/// The DSP core against librosa 0.11 (Fixtures/dsp, float64 references of float32 inputs).
///
/// Tolerances, and why:
/// - mel_db: max abs ≤ 1e-3 dB (the requirement). The residual is the float32 FFT's rounding
///   noise (about 1e-7 of a frame's norm, i.e. ~140 dB below its peak), which only shows in
///   values 70–80 dB below a frame's peak; the worst case is the chirp (a pure tone).
/// - mel (linear): relative error ≤ 5e-4 for values within 80 dB of the maximum (the same
///   noise; 5e-4 ≈ 2e-3 dB); values further down are clipped away in mel_db and are compared
///   against an absolute floor of 1e-8 · max.
/// - MFCC: a DCT of mel_db, so its error is a weighted sum of mel_db errors: max abs ≤ 1e-3
///   (the coefficients are tens to hundreds, c0 down to -1131 for silence).
/// - spectral centroid/bandwidth/rolloff/flatness, zcr, rms: ≤ 1% relative as required,
///   with an absolute floor for near-zero references (1 Hz for frequencies, which are only
///   meaningful to a bin, 10.8 Hz; 1e-9 for flatness and rms), so a reference of exactly 0
///   (silent frames) requires exactly 0. Bandwidth and flatness are the most sensitive
///   (they weight the weakest bins, where the float32 FFT noise lives).
/// - chroma: max abs ≤ 1e-5 (values in 0...1).
/// - onset envelopes: max abs ≤ 1e-3 dB (differences of mel_db values).
/// - filterbanks: equal to librosa's float32 matrices within 1e-7 of the largest weight (they
///   agree bit for bit here; a different libm could move a last bit).
@Suite struct DSPFixtureTests {
    static let defaults = SpectrogramParameters()

    @Test func fixturesUseTheDefaultParameters() {
        guard case .object(let params)? = DSPFixtures.manifest["params"] else { Issue.record("no params"); return }
        #expect(params["sample_rate"]?.int == Self.defaults.sampleRate)
        #expect(params["n_fft"]?.int == Self.defaults.nFFT)
        #expect(params["hop_length"]?.int == Self.defaults.hopLength)
        guard case .object(let mel)? = params["mel"], case .object(let db)? = params["power_to_db"] else {
            Issue.record("no mel/power_to_db params"); return
        }
        #expect(mel["n_mels"]?.int == Self.defaults.nMels)
        #expect(mel["fmin"]?.double == Self.defaults.fMin)
        #expect(mel["fmax"]?.double == Self.defaults.effectiveFMax)
        #expect(mel["power"]?.double == Self.defaults.power)
        #expect(db["ref"]?.double == Self.defaults.ref)
        #expect(db["amin"]?.double == Self.defaults.amin)
        #expect(db["top_db"]?.double == Self.defaults.topDB)
    }

    @Test func hannWindow() {
        let error = DSPError(Window.hann(2048), DSPFixtures.filter("hann").values)
        #expect(error.maxAbs <= 1e-7, "hann: \(error)")
    }

    @Test func melBandEdges() {
        let ours = MelScale.melFrequencies(count: 130, fMin: 0, fMax: 11025)
        let reference = DSPFixtures.melBandEdges
        #expect(ours.count == reference.count)
        let worst = zip(ours, reference).map { abs($0 - $1) / max($1, 1) }.max() ?? 0
        #expect(worst <= 1e-12, "mel band edges: max rel \(worst)")
        #expect(MelScale.melToHz(MelScale.hzToMel(440)) == 440)
        #expect(MelScale.hzToMel(1000) == 1000 / (200.0 / 3))  // librosa's min_log_mel, 15 − 1 ulp
    }

    @Test func melFilterbank() throws {
        let bank = try MelFilterbank(parameters: Self.defaults)
        let reference = DSPFixtures.filter("mel")
        #expect(bank.dense().shape == reference.shape)
        let error = DSPError(bank.dense().values, reference.values)
        let largest = Double(reference.values.max()!)
        #expect(error.maxAbs <= 1e-7 * largest, "filters.mel: \(error)")
        // Sparse storage: each band only spans its triangle.
        let stored = bank.bands.reduce(0) { $0 + $1.weights.count }
        #expect(stored < reference.values.count / 20, "\(stored) stored weights")
        #expect(bank.bands.allSatisfy { !$0.weights.isEmpty && $0.weights.first! > 0 && $0.weights.last! > 0 })
    }

    @Test func chromaFilterbank() throws {
        let bank = try ChromaFilterbank()
        let reference = DSPFixtures.filter("chroma")
        #expect(bank.weights.shape == reference.shape)
        let error = DSPError(bank.weights.values, reference.values)
        let largest = Double(reference.values.max()!)
        #expect(error.maxAbs <= 1e-7 * largest, "filters.chroma: \(error)")
    }

    @Test(arguments: DSPFixtures.signals)
    func frameCounts(signal: String) throws {
        let y = DSPFixtures.input(signal)
        let frames = Int(DSPFixtures.scalar(signal, "n_frames"))
        #expect(STFT.frameCount(sampleCount: y.count) == frames)
        let analysis = try SpectralAnalysis(samples: y)
        #expect(analysis.frameCount == frames)
        #expect(analysis.mel.shape == DSPFixtures.reference(signal, "mel").shape)
        #expect(analysis.chroma.shape == DSPFixtures.reference(signal, "chroma_stft").shape)
    }

    @Test(arguments: DSPFixtures.signals)
    func melSpectrogram(signal: String) throws {
        let analysis = try SpectralAnalysis(samples: DSPFixtures.input(signal))
        let mel = DSPFixtures.reference(signal, "mel")
        let melMax = DSPFixtures.scalar(signal, "mel_max")
        let melError = DSPError(analysis.mel.values, mel.values, floor: 1e-8 * melMax)
        #expect(melError.maxRel <= 5e-4, "\(signal).mel: \(melError)")

        let melDB = DSPFixtures.reference(signal, "mel_db")
        let dbError = DSPError(analysis.melDB.values, melDB.values)
        #expect(dbError.maxAbs <= 1e-3, "\(signal).mel_db: max abs error \(dbError.maxAbs) dB (\(dbError))")

        let mfcc = DSPFixtures.reference(signal, "mfcc")
        let ours = try analysis.mfcc(count: 13)
        #expect(ours.shape == mfcc.shape)
        let mfccError = DSPError(ours.values, mfcc.values)
        #expect(mfccError.maxAbs <= 1e-3, "\(signal).mfcc: \(mfccError)")
    }

    @Test(arguments: DSPFixtures.signals)
    func spectralFeatures(signal: String) throws {
        let y = DSPFixtures.input(signal)
        let analysis = try SpectralAnalysis(samples: y)
        let checks: [(String, [Float], Double)] = [
            ("spectral_centroid", analysis.spectral.centroid, 1),
            ("spectral_bandwidth", analysis.spectral.bandwidth, 1),
            ("spectral_rolloff", analysis.spectral.rolloff, 1),
            ("spectral_flatness", analysis.spectral.flatness, 1e-9),
            ("zero_crossing_rate", analysis.zeroCrossingRate, 1e-9),
            ("rms_S", analysis.rms, 1e-9),
            ("rms_y", try RMS.rms(y: y), 1e-9),
        ]
        for (key, ours, floor) in checks {
            let reference = DSPFixtures.reference(signal, key)
            #expect(reference.shape == [1, ours.count], "\(signal).\(key) shape")
            let error = DSPError(ours, reference.values, floor: floor)
            #expect(error.maxRel <= 0.01, "\(signal).\(key): \(error)")
        }
        // The zero-crossing rate is a count over 2048; librosa's is the same rational number.
        let zcr = DSPError(analysis.zeroCrossingRate, DSPFixtures.reference(signal, "zero_crossing_rate").values)
        #expect(zcr.maxAbs == 0, "\(signal).zero_crossing_rate: \(zcr)")
    }

    @Test(arguments: DSPFixtures.signals)
    func chroma(signal: String) throws {
        let analysis = try SpectralAnalysis(samples: DSPFixtures.input(signal))
        let error = DSPError(analysis.chroma.values, DSPFixtures.reference(signal, "chroma_stft").values)
        #expect(error.maxAbs <= 1e-5, "\(signal).chroma_stft: \(error)")
    }

    @Test(arguments: DSPFixtures.stftSignals)
    func stftMagnitude(signal: String) throws {
        let ours = try STFT.magnitudeSpectrogram(DSPFixtures.input(signal))
        let reference = DSPFixtures.reference(signal, "stft_mag").matrix
        #expect(ours.shape == reference.shape)
        // Relative to each frame's peak (the float32 FFT's error scales with the frame).
        var worst = 0.0
        for t in 0..<reference.columns {
            let peak = Double(reference.column(t).max()!)
            for (a, b) in zip(ours.column(t), reference.column(t)) { worst = max(worst, abs(Double(a) - Double(b)) / peak) }
        }
        #expect(worst <= 1e-6, "\(signal).stft_mag: max error \(worst) of the frame peak")
    }

    @Test(arguments: DSPFixtures.onsetSignals)
    func onsetEnvelopes(signal: String) throws {
        let y = DSPFixtures.input(signal)
        let analysis = try SpectralAnalysis(samples: y)
        for (key, aggregate) in [("onset_env", OnsetStrength.Aggregate.mean), ("onset_env_median", .median)] {
            let reference = DSPFixtures.reference(signal, key)
            let ours = try analysis.onsetStrength(aggregate: aggregate)
            #expect(reference.shape == [ours.count])
            let error = DSPError(ours, reference.values)
            #expect(error.maxAbs <= 1e-3, "\(signal).\(key): \(error)")
            // The signal-level entry point is the same computation.
            #expect(try OnsetStrength.onsetStrength(y: y, aggregate: aggregate) == ours)
        }
    }
}

@Suite struct DSPPropertyTests {
    /// Deterministic test noise in [-amplitude, amplitude].
    static func noise(_ count: Int, seed: UInt64 = 1, amplitude: Float = 0.5) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return amplitude * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
    }

    static func sine(_ frequency: Double, count: Int, sampleRate: Double = 22050) -> [Float] {
        (0..<count).map { Float(0.5 * sin(2 * Double.pi * frequency * Double($0) / sampleRate)) }
    }

    @Test func frameCountFollowsLibrosa() {
        // librosa: 1 + (len + 2 * (n_fft // 2) - n_fft) // hop.
        for length in [0, 1, 511, 512, 513, 1000, 2047, 2048, 2049, 12345, 661500] {
            #expect(STFT.frameCount(sampleCount: length) == 1 + length / 512, "\(length) samples")
        }
        #expect(STFT.frameCount(sampleCount: 1000, nFFT: 512, hopLength: 100) == 11)
    }

    @Test func shapesAndRanges() throws {
        let y = Self.noise(30000)
        let analysis = try SpectralAnalysis(samples: y)
        let frames = 1 + 30000 / 512
        #expect(analysis.frameCount == frames)
        #expect(analysis.mel.shape == [128, frames] && analysis.melDB.shape == [128, frames])
        #expect(analysis.chroma.shape == [12, frames])
        #expect(try analysis.mfcc().shape == [13, frames])
        for values in [analysis.spectral.centroid, analysis.spectral.bandwidth, analysis.spectral.rolloff,
                       analysis.spectral.flatness, analysis.rms, analysis.zeroCrossingRate, try analysis.onsetStrength()] {
            #expect(values.count == frames)
            #expect(values.allSatisfy { $0 >= 0 && $0.isFinite })
        }
        #expect(analysis.mel.values.allSatisfy { $0 >= 0 })
        #expect(analysis.chroma.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(analysis.spectral.flatness.allSatisfy { $0 <= 1 })
        #expect(analysis.zeroCrossingRate.allSatisfy { $0 <= 1 })
        #expect(analysis.spectral.rolloff.allSatisfy { $0 <= 11025 })
        // top_db: nothing more than 80 dB below the maximum.
        let maximum = analysis.melDB.values.max()!, minimum = analysis.melDB.values.min()!
        #expect(maximum - minimum <= 80.0001)
        let power = try STFT.powerSpectrogram(y)
        #expect(power.shape == [1025, frames] && power.values.allSatisfy { $0 >= 0 })
        // The mel spectrogram of the stored power spectrogram is the same computation.
        #expect(try MelSpectrogram.melSpectrogram(spectrogram: power) == analysis.mel)
    }

    @Test func fusedAnalysisEqualsTheSeparateFunctions() throws {
        let y = Self.noise(20000, seed: 5)
        let analysis = try SpectralAnalysis(samples: y)
        #expect(try MelSpectrogram.melSpectrogram(y) == analysis.mel)
        #expect(try MelSpectrogram.melSpectrogramDB(y) == analysis.melDB)
        #expect(try Decibels.powerToDB(analysis.mel) == analysis.melDB)
        #expect(try Chroma.chromaSTFT(power: STFT.powerSpectrogram(y)) == analysis.chroma)
        #expect(try ZeroCrossingRate.zeroCrossingRate(y) == analysis.zeroCrossingRate)
        // From the stored magnitude, power is recomputed as |X|², so these agree to rounding.
        let magnitude = try STFT.magnitudeSpectrogram(y)
        let separate = try SpectralFeatures(magnitude: magnitude)
        for (a, b) in [(separate.centroid, analysis.spectral.centroid), (separate.bandwidth, analysis.spectral.bandwidth),
                       (separate.rolloff, analysis.spectral.rolloff), (separate.flatness, analysis.spectral.flatness),
                       (try RMS.rms(magnitude: magnitude), analysis.rms)] {
            let error = DSPError(a, b, floor: 1e-9)
            #expect(error.maxRel <= 1e-5, "\(error)")
        }
        #expect(try SpectralFeatures.spectralCentroid(magnitude: magnitude) == separate.centroid)
        #expect(try SpectralFeatures.spectralBandwidth(magnitude: magnitude) == separate.bandwidth)
        #expect(try SpectralFeatures.spectralRolloff(magnitude: magnitude) == separate.rolloff)
        #expect(try SpectralFeatures.spectralFlatness(magnitude: magnitude) == separate.flatness)
    }

    @Test func silence() throws {
        let analysis = try SpectralAnalysis(samples: [Float](repeating: 0, count: 5000))
        #expect(analysis.mel.values.allSatisfy { $0 == 0 })
        // amin = 1e-10 → 10·log10(1e-10) = -100 dB everywhere (top_db changes nothing).
        #expect(analysis.melDB.values.allSatisfy { $0 == -100 })
        #expect(analysis.chroma.values.allSatisfy { $0 == 0 })
        #expect(analysis.spectral.centroid.allSatisfy { $0 == 0 })
        #expect(analysis.spectral.bandwidth.allSatisfy { $0 == 0 })
        #expect(analysis.spectral.rolloff.allSatisfy { $0 == 0 })
        #expect(analysis.spectral.flatness.allSatisfy { $0 == 1 })
        #expect(analysis.rms.allSatisfy { $0 == 0 } && analysis.zeroCrossingRate.allSatisfy { $0 == 0 })
        #expect(try analysis.onsetStrength().allSatisfy { $0 == 0 })
    }

    /// Empty input follows librosa's STFT: the padded signal is exactly one frame of zeros.
    @Test func emptyInputIsOneSilentFrame() throws {
        let analysis = try SpectralAnalysis(samples: [])
        #expect(analysis.frameCount == 1)
        #expect(analysis.melDB.shape == [128, 1] && analysis.melDB.values.allSatisfy { $0 == -100 })
        #expect(analysis.chroma.values == [Float](repeating: 0, count: 12))
        #expect(analysis.zeroCrossingRate == [0] && analysis.rms == [0])
        #expect(try RMS.rms(y: []) == [0])
        #expect(try STFT.powerSpectrogram([]).shape == [1025, 1])
        #expect(try analysis.onsetStrength() == [0])
        #expect(try analysis.mfcc().shape == [13, 1])
    }

    @Test func pureTones() throws {
        // 440 Hz: centroid near 440 Hz, chroma peak at A (index 9, C = 0), rolloff near 440 Hz.
        let analysis = try SpectralAnalysis(samples: Self.sine(440, count: 22050))
        for t in 2..<(analysis.frameCount - 2) {
            let column = analysis.chroma.column(t)
            #expect(column.firstIndex(of: column.max()!) == 9, "frame \(t)")
            #expect(abs(analysis.spectral.centroid[t] - 440) < 15, "centroid \(analysis.spectral.centroid[t])")
            #expect(abs(analysis.spectral.rolloff[t] - 440) < 15, "rolloff \(analysis.spectral.rolloff[t])")
            // Hann-windowed sine of amplitude 0.5: RMS from S ≈ 0.5/√2 · √(3/8).
            #expect(abs(analysis.rms[t] - Float(0.5 / 2.0.squareRoot() * (3.0 / 8).squareRoot())) < 1e-3)
        }
        // A sine at 440 Hz crosses zero 880 times a second: 2048 · 880 / 22050 per frame.
        #expect(abs(analysis.zeroCrossingRate[10] - Float(880.0 / 22050)) < 2e-3)
        #expect(try RMS.rms(y: Self.sine(440, count: 22050))[10] - Float(0.5 / 2.0.squareRoot()) < 1e-3)
    }

    /// librosa's zero_crossing_rate written out literally: edge padding, framing, thresholding
    /// (|x| <= 1e-10 → +0), sign-bit changes, mean over the frame.
    static func librosaZeroCrossingRate(_ y: [Float], frameLength: Int, hopLength: Int) -> [Float] {
        let half = frameLength / 2
        let padded = [Float](repeating: y.first!, count: half) + y + [Float](repeating: y.last!, count: half)
        let frames = 1 + (padded.count - frameLength) / hopLength
        return (0..<frames).map { t in
            let frame = padded[(t * hopLength)..<(t * hopLength + frameLength)].map { abs(Double($0)) <= 1e-10 ? 0 : Double($0) }
            let count = (1..<frameLength).filter { frame[$0].sign != frame[$0 - 1].sign }.count
            return Float(Double(count) / Double(frameLength))
        }
    }

    @Test func zeroCrossingRateMatchesLibrosasDefinition() throws {
        // Noise with exact zeros, negative zeros and values at the threshold mixed in.
        var y = Self.noise(5000, seed: 9)
        for i in stride(from: 0, to: y.count, by: 7) { y[i] = 0 }
        for i in stride(from: 3, to: y.count, by: 11) { y[i] = -0.0 }
        for i in stride(from: 5, to: y.count, by: 13) { y[i] = i % 2 == 0 ? -1e-10 : -2e-10 }
        for i in stride(from: 6, to: y.count, by: 17) { y[i] = Float(-1e-10).nextUp }
        for (frameLength, hopLength) in [(2048, 512), (256, 100), (4, 2), (2, 1)] {
            let ours = try ZeroCrossingRate.zeroCrossingRate(y, frameLength: frameLength, hopLength: hopLength)
            #expect(ours == Self.librosaZeroCrossingRate(y, frameLength: frameLength, hopLength: hopLength),
                    "frame \(frameLength), hop \(hopLength)")
        }
        #expect(try ZeroCrossingRate.zeroCrossingRate([0.5, -0.5, 0.5, -0.5], frameLength: 4, hopLength: 2)
                == [0.25, 0.75, 0.25])
        #expect(try ZeroCrossingRate.zeroCrossingRate([-0.3]) == [0])
    }

    @Test func vectorLogarithm() {
        var values: [Float] = [1, 2, 0.5, 0.70710677, 0.7071068, 1.4142135, .leastNormalMagnitude, .greatestFiniteMagnitude, 1e-10, 1e10]
        values += Self.noise(4000, seed: 3).enumerated().map { abs($1) * Float(sign: .plus, exponent: $0 % 200 - 100, significand: 1) + .leastNormalMagnitude }
        while values.count % 8 != 0 { values.append(3) }
        for start in stride(from: 0, to: values.count, by: 8) {
            let x = SIMD8<Float>(values[start..<(start + 8)])
            let logs = VectorMath.log(x)
            for lane in 0..<8 {
                let exact = Foundation.log(Double(x[lane]))
                #expect(abs(Double(logs[lane]) - exact) <= 1.5e-7 * max(abs(exact), 1), "ln \(x[lane]) = \(logs[lane]), exact \(exact)")
            }
        }
        #expect(VectorMath.log(SIMD8<Float>(repeating: 1)) == SIMD8<Float>())
    }

    @Test func realFFTMatchesTheDFT() {
        for n in [2, 16, 30, 2048] {
            let x = Self.noise(n, seed: UInt64(n))
            let fft = RealFFT.shared(size: n)
            let (re, im) = fft.forward(x)
            #expect(re.count == n / 2 + 1)
            var worst = 0.0, norm = 0.0
            for k in 0...(n / 2) {
                var sr = 0.0, si = 0.0
                for j in 0..<n {
                    let angle = -2 * Double.pi * Double(j * k % n) / Double(n)
                    sr += Double(x[j]) * cos(angle)
                    si += Double(x[j]) * sin(angle)
                }
                worst = max(worst, abs(Double(re[k]) - sr), abs(Double(im[k]) - si))
                norm = max(norm, (sr * sr + si * si).squareRoot())
            }
            #expect(worst <= 1e-5 * max(norm, 1), "n = \(n): max error \(worst), peak \(norm)")
        }
        #expect(RealFFT.shared(size: 2048) === RealFFT.shared(size: 2048))
    }

    @Test func squareRootKernel() {
        var values: [Float] = [0, 1, 2, 4, 1e-30, .leastNormalMagnitude / 1000, .leastNonzeroMagnitude, 3e38, 0.25, 123456.7]
        values += Self.noise(1000).map { $0 * $0 * 1e4 }
        for count in [values.count, 17, 16, 15, 1] {
            var roots = [Float](repeating: -1, count: count), portable = roots
            values.withUnsafeBufferPointer { source in
                roots.withUnsafeMutableBufferPointer { VectorMath.squareRoot(source.baseAddress!, into: $0.baseAddress!, count: count) }
                portable.withUnsafeMutableBufferPointer {
                    musicindex_square_root_portable(source.baseAddress!, $0.baseAddress!, count)
                }
            }
            for (x, (root, other)) in zip(values, zip(roots, portable)) {
                // Correctly rounded: the Float nearest the exact root (the Double root rounds to it).
                #expect(root == Float(Double(x).squareRoot()), "√\(x) = \(root)")
                #expect(root.bitPattern == other.bitPattern)
            }
        }
    }

    @Test func frameKernelsMatchTheirFormulas() {
        // The window product and the power spectrum, on every length around the vector widths,
        // dispatched and portable, bit for bit against the scalar formulas.
        let samples = Self.noise(2051, seed: 7), spectrum = Self.noise(2 * 1027, seed: 8).map { $0 * 40 }
        let window = Window.hannDouble(2051)
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1025, 2048, 2051] {
            var product = [Float](repeating: .nan, count: count), productPortable = product
            var power = [Float](repeating: .nan, count: min(count, 1027)), powerPortable = power
            samples.withUnsafeBufferPointer { y in
                window.withUnsafeBufferPointer { w in
                    product.withUnsafeMutableBufferPointer { musicindex_window(y.baseAddress!, w.baseAddress!, $0.baseAddress, count) }
                    productPortable.withUnsafeMutableBufferPointer {
                        musicindex_window_portable(y.baseAddress!, w.baseAddress!, $0.baseAddress, count)
                    }
                }
            }
            spectrum.withUnsafeBufferPointer { z in
                let bins = power.count
                power.withUnsafeMutableBufferPointer { musicindex_power_spectrum(z.baseAddress!, $0.baseAddress, bins) }
                powerPortable.withUnsafeMutableBufferPointer {
                    musicindex_power_spectrum_portable(z.baseAddress!, $0.baseAddress, bins)
                }
            }
            for i in 0..<count {
                let expected = Float(Double(samples[i]) * window[i])
                #expect(product[i].bitPattern == expected.bitPattern && productPortable[i].bitPattern == expected.bitPattern)
            }
            for k in power.indices {
                let re = spectrum[2 * k], im = spectrum[2 * k + 1]
                let squares = (re * re, im * im)
                let expected = squares.0 + squares.1
                #expect(power[k].bitPattern == expected.bitPattern && powerPortable[k].bitPattern == expected.bitPattern)
            }
        }
    }

    @Test func spectralShapeKernelMatchesPlainSums() {
        // Centroid, spread and rolloff of random frames (with silent and one-bin frames), on
        // both paths, against plain Double loops.
        for (count, seed) in [(1025, 1), (1025, 2), (17, 3), (16, 4), (2, 5), (1, 6)] {
            let frequencies = (0..<count).map { Double($0) * 10.7666 }
            for silent in [false, true] {
                let m = silent ? [Float](repeating: 0, count: count) : Self.noise(count, seed: UInt64(seed)).map { abs($0) * 3 }
                var fast = musicindex_shape(), portable = musicindex_shape()
                musicindex_spectral_shape(m, frequencies, count, 0.85, &fast)
                musicindex_spectral_shape_portable(m, frequencies, count, 0.85, &portable)
                #expect(fast.total.bitPattern == portable.total.bitPattern && fast.centroid.bitPattern == portable.centroid.bitPattern
                        && fast.spread.bitPattern == portable.spread.bitPattern && fast.rolloff_bin == portable.rolloff_bin)
                let total = m.reduce(0.0) { $0 + Double($1) }
                #expect(abs(fast.total - total) <= 1e-12 * max(total, 1))
                if silent {
                    #expect(fast.centroid == 0 && fast.spread == 0 && fast.rolloff_bin == 0)
                    continue
                }
                let centroid = zip(m, frequencies).reduce(0.0) { $0 + Double($1.0) * $1.1 } / total
                let spread = zip(m, frequencies).reduce(0.0) { $0 + Double($1.0) * ($1.1 - centroid) * ($1.1 - centroid) } / total
                #expect(abs(fast.centroid - centroid) <= 1e-12 * centroid + 1e-12)
                #expect(abs(fast.spread - spread) <= 1e-12 * spread + 1e-12)
                var cumulative = 0.0, bin = 0
                while bin < count - 1 {
                    cumulative += Double(m[bin])
                    if cumulative >= 0.85 * total { break }
                    bin += 1
                }
                #expect(fast.rolloff_bin == bin)
            }
        }
    }

    @Test func decibelKernelMatchesTheSwiftLogarithm() {
        // musicindex_decibels on both paths, bit for bit against VectorMath.log's formula, with
        // values below, at and above amin; the tail past the last 16 is left to the caller.
        let amin: Float = 1e-10, scale = Float(10 / M_LN10), offset: Float = 0, floorDB: Float = -100
        var values = Self.noise(1000, seed: 11).map { $0 * $0 * 50 }
        values += [0, amin, amin / 2, amin * 1.0001, 1, 3e38, .leastNormalMagnitude]
        for count in [values.count, 33, 32, 16, 15, 0] {
            var fast = Array(values.prefix(count)), portable = fast
            var doneFast = -1, donePortable = -1
            let maxFast = musicindex_decibels(&fast, count, amin, scale, offset, floorDB, &doneFast)
            let maxPortable = musicindex_decibels_portable(&portable, count, amin, scale, offset, floorDB, &donePortable)
            #expect(doneFast == count / 16 * 16 && donePortable == doneFast)
            #expect(maxFast.bitPattern == maxPortable.bitPattern)
            var largest = -Float.infinity
            for i in 0..<doneFast {
                let power = values[i]
                let lane = SIMD8<Float>(repeating: max(power, amin))
                let expected = power <= amin ? floorDB : (scale * VectorMath.log(lane) - offset)[0]
                #expect(fast[i].bitPattern == expected.bitPattern && portable[i].bitPattern == expected.bitPattern,
                        "\(power): \(fast[i]) vs \(expected)")
                largest = max(largest, expected)
            }
            #expect(maxFast == largest)
            for i in doneFast..<count { #expect(fast[i] == values[i]) }
        }
        var clipped: [Float] = [-120, -80, -79.5, 0, .nan, -200]
        musicindex_raise_to(&clipped, clipped.count, -80)
        #expect(Array(clipped.prefix(4)) == [-80, -80, -79.5, 0] && clipped[4].isNaN && clipped[5] == -80)
    }

    @Test func onsetMedianMatchesSorting() throws {
        // Random dB matrices with ties and zeros: the selection-based median equals sorting.
        for bands in [1, 2, 3, 7, 128] {
            var values = Self.noise(bands * 40, seed: UInt64(bands)).map { ($0 * 8).rounded() }
            values[0] = values[1]
            let melDB = FeatureMatrix(rows: bands, columns: 40, values: values)
            let ours = try OnsetStrength.onsetStrength(melDB: melDB, aggregate: .median)
            #expect(ours.count == 40 && ours.prefix(3).allSatisfy { $0 == 0 })
            for t in 3..<40 {
                let increases = (0..<bands).map { max(0, melDB[$0, t - 2] - melDB[$0, t - 3]) }.sorted()
                let median = bands % 2 == 1 ? increases[bands / 2] : (increases[bands / 2 - 1] + increases[bands / 2]) / 2
                #expect(ours[t] == median, "bands \(bands) frame \(t)")
            }
        }
    }

    @Test func featureMatrixAccess() {
        let matrix = FeatureMatrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        #expect(matrix[1, 0] == 4 && matrix.shape == [2, 3])
        #expect(Array(matrix.row(1)) == [4, 5, 6])
        #expect(matrix.column(2) == [3, 6])
        #expect(matrix.columns(1..<3) == FeatureMatrix(rows: 2, columns: 2, values: [2, 3, 5, 6]))
        #expect(matrix.columns(1..<1).shape == [2, 0])
        var copy = matrix
        copy[0, 1] = 9
        #expect(copy.values == [1, 9, 3, 4, 5, 6] && matrix[0, 1] == 2)
    }
}

@Suite struct DSPParameterTests {
    func rejection(_ parameters: SpectrogramParameters) -> String? {
        do {
            try parameters.validate()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsAreLibrosas() throws {
        let p = SpectrogramParameters()
        #expect(p.sampleRate == 22050 && p.nFFT == 2048 && p.hopLength == 512 && p.nMels == 128)
        #expect(p.fMin == 0 && p.fMax == nil && p.effectiveFMax == 11025 && p.power == 2)
        #expect(p.ref == 1 && p.amin == 1e-10 && p.topDB == 80)
        try p.validate()
    }

    @Test func invalidParametersAreRejectedWithSpecificMessages() {
        let cases: [(SpectrogramParameters, String)] = [
            (.init(sampleRate: 0), "sampleRate must be positive"),
            (.init(nFFT: 1), "nFFT must be at least 2"),
            (.init(nFFT: 2047), "nFFT must be even"),
            (.init(hopLength: 0), "hopLength must be at least 1"),
            (.init(nMels: 0), "nMels must be at least 1"),
            (.init(fMin: -1), "fMin must be a finite frequency"),
            (.init(fMax: 12000), "fMax must not exceed sampleRate / 2 = 11025.0 Hz"),
            (.init(fMin: 5000, fMax: 4000), "fMin (5000.0 Hz) must be below fMax (4000.0 Hz)"),
            (.init(fMin: 11025), "fMin (11025.0 Hz) must be below fMax (11025.0 Hz)"),
            (.init(power: 0), "power must be positive"),
            (.init(ref: 0), "ref must be positive"),
            (.init(amin: 0), "amin must be positive"),
            (.init(topDB: -1), "topDB must be >= 0 dB"),
        ]
        for (parameters, message) in cases {
            let reason = rejection(parameters)
            #expect(reason?.contains(message) == true, "expected “\(message)”, got \(reason ?? "no error")")
            #expect(reason?.hasPrefix("invalid spectrogram parameters: ") == true)
        }
        #expect(rejection(.init(fMax: 11025, topDB: nil)) == nil)
    }

    @Test func functionsRejectBadArguments() throws {
        let y = DSPPropertyTests.noise(4000)
        #expect(throws: MusicIndexError.self) { try SpectralAnalysis(samples: y, parameters: .init(hopLength: 0)) }
        #expect(throws: MusicIndexError.self) { try MelSpectrogram.melSpectrogram(y, parameters: .init(nFFT: 1000, fMax: 20000)) }
        #expect(throws: MusicIndexError.self) { try STFT.powerSpectrogram(y, parameters: .init(nFFT: 3)) }
        let analysis = try SpectralAnalysis(samples: y)
        #expect(throws: MusicIndexError.invalidArgument("invalid MFCC count 0: must be between 1 and the 128 mel bands")) {
            try analysis.mfcc(count: 0)
        }
        #expect(throws: MusicIndexError.self) { try analysis.mfcc(count: 129) }
        #expect(throws: MusicIndexError.self) { try analysis.onsetStrength(lag: 0) }
        let magnitude = try STFT.magnitudeSpectrogram(y)
        #expect(throws: MusicIndexError.invalidArgument("rollPercent must lie in (0, 1) (got 1.0)")) {
            try SpectralFeatures.spectralRolloff(magnitude: magnitude, rollPercent: 1)
        }
        #expect(throws: MusicIndexError.self) { try Decibels.powerToDB(analysis.mel, amin: 0) }
        #expect(throws: MusicIndexError.self) { try ZeroCrossingRate.zeroCrossingRate(y, frameLength: 0) }
        #expect(throws: MusicIndexError.self) { try MelSpectrogram.melSpectrogram(spectrogram: analysis.mel) }
    }

    @Test func codableUsesLibrosaNamesAndKeepsNulls() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(SpectrogramParameters()), as: UTF8.self)
        #expect(json == #"{"amin":1e-10,"fmax":null,"fmin":0,"hop_length":512,"n_fft":2048,"n_mels":128,"power":2,"ref":1,"sample_rate":22050,"top_db":80}"#)
        let decoded = try JSONDecoder().decode(SpectrogramParameters.self, from: Data(json.utf8))
        #expect(decoded == SpectrogramParameters())
        let custom = SpectrogramParameters(sampleRate: 16000, nFFT: 1024, hopLength: 256, nMels: 64, fMin: 20, fMax: 8000, topDB: nil)
        #expect(try JSONDecoder().decode(SpectrogramParameters.self, from: encoder.encode(custom)) == custom)
        // A missing key is an error, not a silent default; so is an invalid value.
        let missing = json.replacingOccurrences(of: #","top_db":80"#, with: "")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SpectrogramParameters.self, from: Data(missing.utf8)) }
        let invalid = json.replacingOccurrences(of: #""n_fft":2048"#, with: #""n_fft":2047"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SpectrogramParameters.self, from: Data(invalid.utf8)) }
    }

    @Test func otherSettingsWork() throws {
        // A smaller setting (as a model trained at 16 kHz might record): shapes follow it.
        let parameters = SpectrogramParameters(sampleRate: 16000, nFFT: 1024, hopLength: 160, nMels: 40, fMin: 30, fMax: 7600, power: 1)
        let y = DSPPropertyTests.noise(16000)
        let analysis = try SpectralAnalysis(samples: y, parameters: parameters)
        #expect(analysis.mel.shape == [40, 1 + 16000 / 160])
        #expect(analysis.chroma.shape == [12, 1 + 16000 / 160])
        // power 1: the mel bank applied to |X|.
        let magnitude = try STFT.magnitudeSpectrogram(y, parameters: parameters)
        let bank = try MelFilterbank(parameters: parameters)
        #expect(bank.nMels == 40 && bank.binCount == 513)
        let error = DSPError(analysis.mel.values, bank.apply(to: magnitude).values, floor: 1e-6)
        #expect(error.maxRel <= 1e-5, "\(error)")
    }
}

@Suite struct DSPConcurrencyTests {
    /// Parallel analyses (sharing one FFT plan and the filterbank caches) equal serial ones bit
    /// for bit.
    @Test func parallelAnalysesEqualSerial() async throws {
        let signals = (0..<8).map { DSPPropertyTests.noise(40000 + 1000 * $0, seed: UInt64($0 + 10)) }
        let serial = try signals.map { try SpectralAnalysis(samples: $0) }
        let parallel = try await withThrowingTaskGroup(of: (Int, SpectralAnalysis).self) { group in
            for (index, signal) in signals.enumerated() {
                group.addTask { (index, try SpectralAnalysis(samples: signal)) }
            }
            var results = [SpectralAnalysis?](repeating: nil, count: signals.count)
            for try await (index, analysis) in group { results[index] = analysis }
            return results
        }
        for index in signals.indices {
            #expect(parallel[index] == serial[index], "signal \(index)")
        }
    }

    /// Plans of new sizes created from many tasks at once (the planner lock) work.
    @Test func parallelPlanCreation() async {
        let sizes = [96, 160, 192, 320, 384, 640, 768, 1280]
        let expected = sizes.map { RealFFT(size: $0).forward(DSPPropertyTests.noise($0)).real }
        let results = await withTaskGroup(of: (Int, [Float]).self) { group in
            for (index, size) in sizes.enumerated() {
                group.addTask { (index, RealFFT.shared(size: size).forward(DSPPropertyTests.noise(size)).real) }
            }
            var results = [[Float]](repeating: [], count: sizes.count)
            for await (index, real) in group { results[index] = real }
            return results
        }
        #expect(results == expected)
    }
}

/// The mel filterbank's block kernel (eight frames per pass, one per SIMD lane).
@Suite struct MelBlockKernelTests {
    @Test func blocksMatchTheDenseBankAndEachFrameStandsAlone() throws {
        var generator = SeededGenerator(seed: 21)
        for parameters in [SpectrogramParameters(), SpectrogramParameters(sampleRate: 16000, nFFT: 1024, hopLength: 256, nMels: 40)] {
            let bank = try MelFilterbank(parameters: parameters)
            let bins = bank.binCount, dense = bank.dense()
            let frames = 13
            let power = (0..<(frames * bins)).map { _ in Float.random(in: 0...4, using: &generator) }
            let scratch = MelFilterbank.Scratch(binCount: bins)
            // All frames in blocks of 8 + 5, and each frame alone: the same bits.
            var blocked = [Float](repeating: .nan, count: bank.nMels * frames), single = blocked
            power.withUnsafeBufferPointer { power in
                blocked.withUnsafeMutableBufferPointer { out in
                    bank.applyBlock(power: power.baseAddress!, frames: 8, to: out.baseAddress!, stride: frames, scratch: scratch)
                    bank.applyBlock(power: power.baseAddress! + 8 * bins, frames: 5, to: out.baseAddress! + 8, stride: frames,
                                    scratch: scratch)
                }
                single.withUnsafeMutableBufferPointer { out in
                    for f in 0..<frames {
                        bank.applyBlock(power: power.baseAddress! + f * bins, frames: 1, to: out.baseAddress! + f,
                                        stride: frames, scratch: scratch)
                    }
                }
            }
            #expect(blocked == single)
            for m in 0..<bank.nMels {
                for f in 0..<frames {
                    var expected = 0.0
                    for k in 0..<bins { expected += Double(dense[m, k]) * Double(power[f * bins + k]) }
                    let actual = Double(blocked[m * frames + f])
                    #expect(abs(actual - expected) <= 1e-5 * max(expected, 1e-6), "band \(m) frame \(f): \(actual) vs \(expected)")
                }
            }
        }
    }
}

extension MelBlockKernelTests {
    @Test func bothCodePathsGiveTheSameBits() {
        var generator = SeededGenerator(seed: 22)
        let bins = 37, bands = 6
        let firsts: [Int32] = [0, 1, 3, 8, 15, 30], counts: [Int32] = [2, 4, 7, 9, 16, 7]
        var offsets: [Int32] = [], total: Int32 = 0
        for count in counts { offsets.append(total); total += count }
        let weights = (0..<Int(total)).map { _ in Float.random(in: 0...1, using: &generator) }
        let power = (0..<(8 * bins)).map { _ in Float.random(in: 0...10, using: &generator) }
        let scratch = MelFilterbank.Scratch(binCount: bins)
        for frames in [1, 3, 8] {
            var outputs = [[Float]](repeating: [Float](repeating: .nan, count: bands * 8), count: 2)
            for path in 0..<2 {
                let kernel = path == 0 ? musicindex_mel_block : musicindex_mel_block_portable
                kernel(power, frames, bins, bands, firsts, counts, offsets, weights, scratch.values, &outputs[path], 8)
            }
            #expect(outputs[0].map(\.bitPattern) == outputs[1].map(\.bitPattern), "\(frames) frames")
            #expect(outputs[0][0] > 0 && outputs[0][5 * 8 + frames - 1] > 0)
        }
    }
}
