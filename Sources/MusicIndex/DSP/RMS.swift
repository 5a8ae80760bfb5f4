/// Root-mean-square energy per frame.
public enum RMS {
    /// RMS from a [1 + frameLength/2, frames] magnitude spectrogram |STFT| (one value per
    /// frame): `√(2 · Σ_k w_k |X_k|² / frameLength²)` with w = ½ for the DC and Nyquist bins and
    /// 1 otherwise. Port of `librosa.feature.rms(S=|X|, frame_length=2 · (bins − 1))`.
    /// Note this is the RMS of the *windowed* frame (Parseval), so for a steady signal it is
    /// about √(3/8) ≈ 0.61 times `rms(y:)` (the Hann window's RMS).
    public static func rms(magnitude: FeatureMatrix) throws -> [Float] {
        let kernel = try SpectralKernel(binCount: magnitude.rows, sampleRate: 1)
        var result = [Float](repeating: 0, count: magnitude.columns)
        kernel.forEachColumn(of: magnitude) { t, _, power in result[t] = kernel.rms(power: power) }
        return result
    }

    /// RMS of the raw samples of each centred frame: `√(mean(y²))` over frameLength samples,
    /// the signal padded with frameLength/2 zeros on each side; 1 + n / hopLength frames
    /// (frameLength even), frame t centred on sample t · hopLength. Port of
    /// `librosa.feature.rms(y=y, frame_length, hop_length, center=True, pad_mode='constant')`.
    /// Sums in Double (librosa sums in float32; the difference is far below 1e-5 relative).
    public static func rms(y: [Float], frameLength: Int = 2048, hopLength: Int = 512) throws -> [Float] {
        try SpectrogramParameters(nFFT: frameLength, hopLength: hopLength).validate()
        let frames = STFT.frameCount(sampleCount: y.count, nFFT: frameLength, hopLength: hopLength)
        let half = frameLength / 2
        return y.withUnsafeBufferPointer { samples in
            (0..<frames).map { t in
                // Zero padding contributes nothing to the sum of squares; only the divisor counts it.
                let start = max(0, t * hopLength - half), end = min(samples.count, t * hopLength - half + frameLength)
                let sum = end > start
                    ? VectorMath.dotDouble(samples.baseAddress! + start, samples.baseAddress! + start, count: end - start) : 0
                return Float((sum / Double(frameLength)).squareRoot())
            }
        }
    }
}
