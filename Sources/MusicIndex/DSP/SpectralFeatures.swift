internal import CKernels
import Foundation

/// Per-frame spectral shape descriptors of a magnitude spectrogram |STFT|, each one value per
/// frame (librosa returns them as [1, frames]; here a plain array of `frames` values).
///
/// Ports of librosa 0.11 `feature.spectral_centroid(S=|X|)`, `spectral_bandwidth(S=|X|, p=2)`,
/// `spectral_rolloff(S=|X|, roll_percent)` and `spectral_flatness(S=|X|, amin, power)`.
/// Silent (all-zero) frames behave as in librosa: centroid, bandwidth and rolloff use
/// `util.normalize(S, norm=1)`, which leaves a column whose sum is below the smallest
/// normal double unscaled, so they come out 0 Hz; flatness floors every bin at amin, so a
/// silent frame is perfectly flat (1.0).
public struct SpectralFeatures: Sendable, Equatable {
    /// Spectral centroid (Hz): the magnitude-weighted mean frequency Σ f·S / Σ S.
    public var centroid: [Float]
    /// Spectral bandwidth (Hz), p = 2: (Σ (S / Σ S) · (f − centroid)²)^(1/2).
    public var bandwidth: [Float]
    /// Roll-off frequency (Hz): the centre frequency of the first bin at which the cumulative
    /// magnitude reaches rollPercent of the frame's total.
    public var rolloff: [Float]
    /// Spectral flatness (0...1): geometric mean / arithmetic mean of max(amin, S^power).
    public var flatness: [Float]

    /// All four descriptors of a [1 + nFFT/2, frames] magnitude spectrogram at `sampleRate`.
    public init(magnitude: FeatureMatrix, sampleRate: Int = 22050, rollPercent: Double = 0.85,
                amin: Double = 1e-10, flatnessPower: Double = 2) throws {
        let kernel = try SpectralKernel(binCount: magnitude.rows, sampleRate: sampleRate, rollPercent: rollPercent,
                                        amin: amin, flatnessPower: flatnessPower)
        let frames = magnitude.columns
        var centroid = [Float](repeating: 0, count: frames), bandwidth = centroid, rolloff = centroid, flatness = centroid
        kernel.forEachColumn(of: magnitude) { t, magnitude, power in
            let shape = kernel.shape(magnitude: magnitude, power: power)
            centroid[t] = shape.centroid
            bandwidth[t] = shape.bandwidth
            rolloff[t] = shape.rolloff
            flatness[t] = shape.flatness
        }
        self.centroid = centroid
        self.bandwidth = bandwidth
        self.rolloff = rolloff
        self.flatness = flatness
    }

    /// librosa `feature.spectral_centroid(S=magnitude, sr=sampleRate)[0]` (Hz).
    public static func spectralCentroid(magnitude: FeatureMatrix, sampleRate: Int = 22050) throws -> [Float] {
        try SpectralFeatures(magnitude: magnitude, sampleRate: sampleRate).centroid
    }

    /// librosa `feature.spectral_bandwidth(S=magnitude, sr=sampleRate, p=2)[0]` (Hz).
    public static func spectralBandwidth(magnitude: FeatureMatrix, sampleRate: Int = 22050) throws -> [Float] {
        try SpectralFeatures(magnitude: magnitude, sampleRate: sampleRate).bandwidth
    }

    /// librosa `feature.spectral_rolloff(S=magnitude, sr=sampleRate, roll_percent=rollPercent)[0]` (Hz).
    public static func spectralRolloff(magnitude: FeatureMatrix, sampleRate: Int = 22050,
                                       rollPercent: Double = 0.85) throws -> [Float] {
        try SpectralFeatures(magnitude: magnitude, sampleRate: sampleRate, rollPercent: rollPercent).rolloff
    }

    /// librosa `feature.spectral_flatness(S=magnitude, amin=amin, power=power)[0]` (ratio, 0...1).
    public static func spectralFlatness(magnitude: FeatureMatrix, amin: Double = 1e-10, power: Double = 2) throws -> [Float] {
        try SpectralFeatures(magnitude: magnitude, amin: amin, flatnessPower: power).flatness
    }
}

/// The per-frame computation behind `SpectralFeatures`, `RMS.rms(magnitude:)` and the fused
/// `SpectralAnalysis`: everything from one frame's magnitude and power spectrum, no
/// allocation. Sums are taken in Double over Float inputs.
struct SpectralKernel {
    let binCount: Int
    /// Bin centre frequencies (Hz), Double.
    let frequencies: [Double]
    let rollPercent: Double
    let amin: Double
    let flatnessPower: Double

    init(binCount: Int, sampleRate: Int, rollPercent: Double = 0.85, amin: Double = 1e-10, flatnessPower: Double = 2) throws {
        guard binCount >= 2 else {
            throw MusicIndexError.invalidArgument("a spectrogram needs at least 2 frequency bins (got \(binCount))")
        }
        guard sampleRate >= 1 else { throw MusicIndexError.invalidArgument("sampleRate must be positive (got \(sampleRate))") }
        guard rollPercent > 0, rollPercent < 1 else {
            throw MusicIndexError.invalidArgument("rollPercent must lie in (0, 1) (got \(rollPercent))")
        }
        guard amin.isFinite, amin > 0 else { throw MusicIndexError.invalidArgument("amin must be positive (got \(amin))") }
        guard flatnessPower.isFinite, flatnessPower > 0 else {
            throw MusicIndexError.invalidArgument("flatness power must be positive (got \(flatnessPower))")
        }
        self.binCount = binCount
        // librosa infers n_fft = 2 · (bins − 1) from S.
        frequencies = STFT.fftFrequencies(sampleRate: sampleRate, nFFT: 2 * (binCount - 1))
        self.rollPercent = rollPercent
        self.amin = amin
        self.flatnessPower = flatnessPower
    }

    /// Copies column t of a [binCount, frames] magnitude matrix into contiguous scratch
    /// (magnitude, and its square as power) and calls `body(t, magnitude, power)`.
    func forEachColumn(of magnitude: FeatureMatrix, _ body: (Int, UnsafePointer<Float>, UnsafePointer<Float>) -> Void) {
        precondition(magnitude.rows == binCount, "expected \(binCount) bins, got \(magnitude.rows)")
        let frames = magnitude.columns
        var column = [Float](repeating: 0, count: binCount), squared = column
        magnitude.values.withUnsafeBufferPointer { values in
            for t in 0..<frames {
                for k in 0..<binCount {
                    let value = values[k * frames + t]
                    column[k] = value
                    squared[k] = value * value
                }
                column.withUnsafeBufferPointer { m in
                    squared.withUnsafeBufferPointer { p in body(t, m.baseAddress!, p.baseAddress!) }
                }
            }
        }
    }

    struct Shape {
        var centroid: Float, bandwidth: Float, rolloff: Float, flatness: Float
    }

    /// Centroid, bandwidth, rolloff, flatness of one frame. `power[k]` must be magnitude[k]².
    func shape(magnitude m: UnsafePointer<Float>, power p: UnsafePointer<Float>) -> Shape {
        // util.normalize(S, norm=1): columns summing below the smallest normal double are left
        // as they are (all zeros here), which makes centroid and bandwidth 0. Rolloff: the
        // first bin whose cumulative sum is not below rollPercent · total (librosa's nanmin over
        // bins where cumsum >= threshold; a silent frame gives bin 0 = 0 Hz).
        var result = musicindex_shape()
        frequencies.withUnsafeBufferPointer { f in
            musicindex_spectral_shape(m, f.baseAddress!, binCount, rollPercent, &result)
        }
        return Shape(centroid: Float(result.centroid), bandwidth: Float(result.spread.squareRoot()),
                     rolloff: Float(frequencies[result.rolloff_bin]), flatness: Float(flatness(magnitude: m, power: p)))
    }

    /// exp(mean(log x)) / mean(x) with x = max(amin, S^flatnessPower).
    ///
    /// The sum of logarithms is taken as the logarithm of a product: sixteen Double lanes
    /// each multiply every sixteenth value and split the exponent off every four factors (so
    /// no lane can overflow or underflow: values lie in [amin, 2^128) and amin >= 1e-60 on this
    /// path), and one log of the lanes' product ends it. That is Double precision at a
    /// fraction of the cost of a log per bin. Other powers or smaller amin take the plain sum of logs.
    func flatness(magnitude m: UnsafePointer<Float>, power p: UnsafePointer<Float>) -> Double {
        let count = binCount
        guard flatnessPower == 2, amin >= 1e-60 else {
            var logSum = 0.0, sum = 0.0
            for k in 0..<count {
                let x = max(amin, pow(Double(m[k]), flatnessPower))
                logSum += log(x)
                sum += x
            }
            return exp(logSum / Double(count)) / (sum / Double(count))
        }
        let floor = SIMD16<Double>(repeating: amin)
        var product = SIMD16<Double>(repeating: 1), sum = SIMD16<Double>(), exponent = SIMD16<Int64>()
        let mantissa: UInt64 = 0x000F_FFFF_FFFF_FFFF, one: UInt64 = 0x3FF0_0000_0000_0000
        var k = 0
        while k + 64 <= count {
            for j in Swift.stride(from: 0, to: 64, by: 16) {
                let value = SIMD16<Double>(UnsafeRawPointer(p + k + j).loadUnaligned(as: SIMD16<Float>.self))
                let x = floor.replacing(with: value, where: value .>= floor)  // max(amin, value)
                product *= x
                sum += x
            }
            // product = 2^e · 1.f  →  exponent += e, product = 1.f (all lanes normal, positive).
            let bits = unsafeBitCast(product, to: SIMD16<UInt64>.self)
            exponent &+= SIMD16<Int64>(truncatingIfNeeded: (bits &>> 52) & 0x7FF) &- 1023
            product = unsafeBitCast((bits & mantissa) | one, to: SIMD16<Double>.self)
            k += 64
        }
        // One logarithm of the lanes' product (each lane in [1, 2): 16 of them stay finite).
        var lanes = 1.0
        for lane in 0..<16 { lanes *= product[lane] }
        var logSum = log(lanes) + Double(exponent.wrappedSum()) * M_LN2
        var arithmetic = sum.sum()
        while k < count {
            let x = max(amin, Double(p[k]))
            logSum += log(x)
            arithmetic += x
            k += 1
        }
        return exp(logSum / Double(count)) / (arithmetic / Double(count))
    }

    /// √(2 · (Σ|X|² − ½|X_0|² − ½|X_{n/2}|²) / n²): librosa `feature.rms(S=|X|, frame_length=n)`
    /// for one frame (Parseval with the one-sided spectrum; DC and Nyquist counted once).
    func rms(power p: UnsafePointer<Float>) -> Float {
        let frameLength = Double(2 * (binCount - 1))
        let total = VectorMath.sum(p, count: binCount) - 0.5 * Double(p[0]) - 0.5 * Double(p[binCount - 1])
        return Float((2 * total / (frameLength * frameLength)).squareRoot())
    }
}

extension SpectralFeatures {
    /// Wraps already computed per-frame values (the fused analysis).
    init(centroid: [Float], bandwidth: [Float], rolloff: [Float], flatness: [Float]) {
        self.centroid = centroid
        self.bandwidth = bandwidth
        self.rolloff = rolloff
        self.flatness = flatness
    }
}
