internal import CKernels
import Foundation
import Synchronization

/// The chroma filterbank: maps the 1 + nFFT/2 STFT bins onto pitch classes with Gaussian
/// bumps around each semitone, weighted by a Gaussian over octaves centred on ctroct.
///
/// Port of `librosa.filters.chroma(sr, n_fft, n_chroma=12, tuning=0.0, ctroct=5.0,
/// octwidth=2, norm=2, base_c=True)` (librosa 0.11): built in Double over all nFFT bins
/// with librosa's arithmetic, columns L2-normalised before the octave weighting, rows
/// rotated so row 0 is C, truncated to 1 + nFFT/2 bins and rounded to Float (librosa
/// returns float32). Dense: every weight is nonzero.
public struct ChromaFilterbank: Sendable, Equatable {
    public let sampleRate: Int
    public let nFFT: Int
    /// Pitch classes (rows), C first.
    public let nChroma: Int
    /// Deviation from A440 tuning in fractions of a chroma bin.
    public let tuning: Double
    /// Row-major [nChroma, 1 + nFFT/2] weights.
    public let weights: FeatureMatrix
    /// `weights` transposed, [bins, nChroma] row-major: the right-hand side of the block
    /// product on musicindex's own kernel.
    private let transposedWeights: [Float]

    public init(sampleRate: Int = 22050, nFFT: Int = 2048, nChroma: Int = 12, tuning: Double = 0,
                centerOctave: Double = 5, octaveWidth: Double? = 2) throws {
        try SpectrogramParameters(sampleRate: sampleRate, nFFT: nFFT).validate()
        guard nChroma >= 1 else { throw MusicIndexError.invalidArgument("nChroma must be at least 1 (got \(nChroma))") }
        guard tuning.isFinite else { throw MusicIndexError.invalidArgument("tuning must be finite (got \(tuning))") }
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.nChroma = nChroma
        self.tuning = tuning
        let chroma = Double(nChroma)
        // frequencies = linspace(0, sr, n_fft, endpoint=False)[1:], in chroma bins re C0-ish:
        // frqbins = n_chroma · log2(f / (A440 / 16)), A440 = 440 · 2^(tuning / n_chroma).
        let a440 = 440.0 * pow(2.0, tuning / chroma)
        let step = Double(sampleRate) / Double(nFFT)
        var frqbins = [Double](repeating: 0, count: nFFT)
        for k in 1..<nFFT {
            frqbins[k] = chroma * log2((Double(k) * step) / (a440 / 16))
        }
        // The 0 Hz bin: 1.5 octaves below bin 1.
        frqbins[0] = frqbins[1] - 1.5 * chroma
        var binWidths = [Double](repeating: 1, count: nFFT)
        for k in 0..<(nFFT - 1) { binWidths[k] = max(frqbins[k + 1] - frqbins[k], 1.0) }
        let halfChroma = (chroma / 2).rounded(.toNearestOrEven)
        var dense = [Double](repeating: 0, count: nChroma * nFFT)
        for c in 0..<nChroma {
            for k in 0..<nFFT {
                // D = remainder(frqbins − c + n_chroma2 + 10·n_chroma, n_chroma) − n_chroma2
                // (numpy's remainder: fmod, moved into [0, n_chroma) when negative).
                var d = fmod(frqbins[k] - Double(c) + halfChroma + 10 * chroma, chroma)
                if d != 0, d < 0 { d += chroma }
                d -= halfChroma
                let x = 2 * d / binWidths[k]
                dense[c * nFFT + k] = exp(-0.5 * (x * x))
            }
        }
        // util.normalize(norm=2, axis=0): each bin's column to unit length.
        for k in 0..<nFFT {
            var sumSquares = 0.0
            for c in 0..<nChroma { sumSquares += dense[c * nFFT + k] * dense[c * nFFT + k] }
            var length = sumSquares.squareRoot()  // numpy evaluates ** 0.5 as sqrt
            if length < Double.leastNormalMagnitude { length = 1 }
            for c in 0..<nChroma { dense[c * nFFT + k] /= length }
        }
        if let octaveWidth {
            for k in 0..<nFFT {
                let z = (frqbins[k] / chroma - centerOctave) / octaveWidth
                let weight = exp(-0.5 * (z * z))
                for c in 0..<nChroma { dense[c * nFFT + k] *= weight }
            }
        }
        // base_c: np.roll(wts, -3 · (n_chroma // 12), axis=0), so row 0 is C rather than A.
        let shift = 3 * (nChroma / 12)
        let bins = nFFT / 2 + 1
        var values = [Float](repeating: 0, count: nChroma * bins)
        for row in 0..<nChroma {
            let source = (row + shift) % nChroma
            for k in 0..<bins { values[row * bins + k] = Float(dense[source * nFFT + k]) }
        }
        weights = FeatureMatrix(rows: nChroma, columns: bins, values: values)
        var transposed = [Float](repeating: 0, count: bins * nChroma)
        for row in 0..<nChroma {
            for k in 0..<bins { transposed[k * nChroma + row] = values[row * bins + k] }
        }
        transposedWeights = transposed
    }

    /// raw[c] = Σ_k W[c, k] · power[k] for one frame, then divided by the frame's maximum
    /// (left at zero when all are zero); written at `stride` into `chroma`.
    @inline(__always)
    func apply(power: UnsafePointer<Float>, to chroma: UnsafeMutablePointer<Float>, stride: Int) {
        let bins = weights.columns
        weights.values.withUnsafeBufferPointer { w in
            var peak: Float = 0
            for c in 0..<nChroma {
                let value = VectorMath.dot(w.baseAddress! + c * bins, power, count: bins)
                chroma[c * stride] = value
                peak = max(peak, abs(value))
            }
            // util.normalize(norm=inf, threshold=tiny): a zero column stays zero.
            if peak > 0 {
                for c in 0..<nChroma { chroma[c * stride] /= peak }
            }
        }
    }

    /// `apply` for `frames` consecutive frames whose power spectra are rows of `power`
    /// ([frames, 1 + nFFT/2], row-major): frame i is written to column i of `chroma`, whose rows
    /// are `stride` floats apart. One product for the block (the per-frame dot products cost
    /// about 12k multiply-adds a frame): [frames, bins] x [bins, nChroma] on musicindex's
    /// AVX-512 kernel where the processor has it (`musicindex_sgemm`, no packing), else one
    /// OpenBLAS SGEMM, else frame by frame; they differ only by Float rounding in the sums
    /// (relative 1e-6).
    func apply(powerBlock power: UnsafePointer<Float>, frames: Int, to chroma: UnsafeMutablePointer<Float>, stride: Int) {
        let bins = weights.columns, classes = nChroma
        let computed = transposedWeights.withUnsafeBufferPointer { w in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: frames * classes) { product in
                guard musicindex_sgemm(0, 0, frames, classes, bins, power, bins, w.baseAddress!, classes,
                                       product.baseAddress!, classes) == 1 else { return false }
                for i in 0..<frames {
                    for c in 0..<classes { chroma[c * stride + i] = product[i * classes + c] }
                }
                return true
            }
        }
        if !computed {
            guard Self.blockProductAvailable else {
                for i in 0..<frames { apply(power: power + i * bins, to: chroma + i, stride: stride) }
                return
            }
            weights.values.withUnsafeBufferPointer { w in
                BLAS.gemm(transposeB: true, m: nChroma, n: frames, k: bins, a: w.baseAddress!, lda: bins,
                          b: power, ldb: bins, c: chroma, ldc: stride)
            }
        }
        for i in 0..<frames {
            var peak: Float = 0
            for c in 0..<nChroma { peak = max(peak, abs(chroma[c * stride + i])) }
            if peak > 0 {
                for c in 0..<nChroma { chroma[c * stride + i] /= peak }
            }
        }
    }

    /// Whether block products go through OpenBLAS (loaded, and set to its default thread
    /// count first, so a feature pass never spreads a small product over every core).
    private static let blockProductAvailable: Bool = {
        guard BLAS.unavailableReason == nil else { return false }
        BLAS.applyDefaultThreads()
        return true
    }()

    /// Frames per block product in the fused analysis pass.
    static let blockFrames = 32

    private struct Key: Hashable { let sampleRate: Int, nFFT: Int }
    private static let cache = Mutex<[Key: ChromaFilterbank]>([:])

    /// librosa's default bank (12 classes, tuning 0) for a validated sampleRate/nFFT, built once.
    static func shared(sampleRate: Int, nFFT: Int) -> ChromaFilterbank {
        let key = Key(sampleRate: sampleRate, nFFT: nFFT)
        if let bank = cache.withLock({ $0[key] }) { return bank }
        let bank = try! ChromaFilterbank(sampleRate: sampleRate, nFFT: nFFT)
        cache.withLock { $0[key] = bank }
        return bank
    }
}

/// Chromagrams.
public enum Chroma {
    /// Chroma from a power spectrogram: [nChroma, frames] = bank · S, each frame divided by
    /// its largest value (so the strongest pitch class is 1; silent frames stay 0). Port of
    /// `librosa.feature.chroma_stft(S=|X|², sr, n_fft, tuning=0.0)` (norm=inf). `tuning` must
    /// be given (librosa's default `None` estimates it; the model uses 0).
    public static func chromaSTFT(power: FeatureMatrix, sampleRate: Int = 22050, tuning: Double = 0,
                                  nChroma: Int = 12) throws -> FeatureMatrix {
        let bank = try ChromaFilterbank(sampleRate: sampleRate, nFFT: 2 * (power.rows - 1), nChroma: nChroma, tuning: tuning)
        let frames = power.columns, bins = power.rows
        var result = FeatureMatrix(rows: nChroma, columns: frames)
        // Frames in blocks, as in `SpectralAnalysis`, so both give the same values.
        let blockFrames = ChromaFilterbank.blockFrames
        var block = [Float](repeating: 0, count: blockFrames * bins)
        result.withUnsafeMutableValues { out in
            for first in stride(from: 0, to: frames, by: blockFrames) {
                let count = min(blockFrames, frames - first)
                for i in 0..<count {
                    for k in 0..<bins { block[i * bins + k] = power.values[k * frames + first + i] }
                }
                block.withUnsafeBufferPointer {
                    bank.apply(powerBlock: $0.baseAddress!, frames: count, to: out.baseAddress! + first, stride: frames)
                }
            }
        }
        return result
    }
}
