import Foundation

/// Mel spectrograms.
public enum MelSpectrogram {
    /// The mel spectrogram of a signal: [nMels, frames] = `MelFilterbank · |STFT(y)|^power`
    /// (power 2: mel power spectrogram, units of squared sample amplitude). Port of
    /// `librosa.feature.melspectrogram(y=y, sr, n_fft, hop_length, window='hann', center=True,
    /// pad_mode='constant', power, n_mels, fmin, fmax, htk=False, norm='slaney')`.
    ///
    /// One pass: frames' spectra go through the sparse filterbank eight at a time as soon as
    /// they are computed, so the [bins, frames] STFT is never stored. Float arithmetic (FFTW float32);
    /// relative error against librosa's float64 about 1e-6.
    public static func melSpectrogram(_ y: [Float], parameters: SpectrogramParameters = .init()) throws -> FeatureMatrix {
        try parameters.validate()
        let frames = STFTFrames(nFFT: parameters.nFFT, hopLength: parameters.hopLength)
        let bank = MelFilterbank.shared(for: parameters)
        let columns = frames.frameCount(sampleCount: y.count)
        var result = FeatureMatrix(rows: parameters.nMels, columns: columns)
        let exponent = Float(parameters.power / 2)
        // Spectra gather in blocks of eight frames for the filterbank.
        let bins = parameters.binCount, blockFrames = MelFilterbank.blockFrames
        let block = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * bins)
        defer { block.deallocate() }
        let scratch = MelFilterbank.Scratch(binCount: bins)
        result.withUnsafeMutableValues { out in
            y.withUnsafeBufferPointer { samples in
                frames.forEachPowerSpectrum(of: samples, into: block, slots: blockFrames) { t, power in
                    applyExponent(exponent, to: power)
                    let slot = t % blockFrames
                    if slot == blockFrames - 1 || t == columns - 1 {
                        bank.applyBlock(power: block, frames: slot + 1, to: out.baseAddress! + (t - slot), stride: columns,
                                        scratch: scratch)
                    }
                }
            }
        }
        return result
    }

    /// `powerToDB(melSpectrogram(y))` with the dB settings of `parameters`: librosa
    /// `power_to_db(melspectrogram(y=y, ...), ref, amin, top_db)`, [nMels, frames] in dB.
    public static func melSpectrogramDB(_ y: [Float], parameters: SpectrogramParameters = .init()) throws -> FeatureMatrix {
        var mel = try melSpectrogram(y, parameters: parameters)
        mel.withUnsafeMutableValues {
            Decibels.convertInPlace($0, ref: parameters.ref, amin: parameters.amin, topDB: parameters.topDB)
        }
        return mel
    }

    /// The mel spectrogram of an existing spectrogram S = |STFT|^power ([1 + nFFT/2, frames]):
    /// librosa `melspectrogram(S=S, ...)`.
    public static func melSpectrogram(spectrogram: FeatureMatrix, parameters: SpectrogramParameters = .init()) throws -> FeatureMatrix {
        try parameters.validate()
        guard spectrogram.rows == parameters.binCount else {
            throw MusicIndexError.invalidArgument(
                "spectrogram has \(spectrogram.rows) frequency bins; nFFT \(parameters.nFFT) needs \(parameters.binCount)")
        }
        return MelFilterbank.shared(for: parameters).apply(to: spectrogram)
    }

    /// |X|² → |X|^power in place (exponent = power / 2; nothing to do for power 2).
    @inline(__always)
    static func applyExponent(_ exponent: Float, to power: UnsafeMutableBufferPointer<Float>) {
        if exponent == 1 { return }
        if exponent == 0.5 {
            for k in power.indices { power[k] = power[k].squareRoot() }
        } else {
            for k in power.indices { power[k] = pow(power[k], exponent) }
        }
    }
}
