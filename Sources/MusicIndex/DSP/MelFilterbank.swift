import Synchronization

/// The mel filterbank: `nMels` triangular filters over the 1 + nFFT/2 STFT bins, Slaney mel
/// scale, each filter scaled to unit area in Hz ("slaney" norm: 2 / bandwidth in Hz).
///
/// Port of `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney')`
/// (librosa 0.11), with its arithmetic: the triangles are computed in Double and rounded to
/// Float (librosa fills a float32 array), then multiplied by the Double area factor and
/// rounded again (numpy's `weights *= enorm` on float32). Equal to librosa's float32 matrix
/// to the last bit or within an ulp.
///
/// Stored sparsely: filter m is nonzero only between band edges m and m + 2, so each band
/// keeps its first nonzero bin and the weights from there (at 2048/22050 Hz/128 bands: 2 to
/// 54 bins per band, about 1/50 of the dense matrix). Applying the bank is a short dot
/// product per band.
public struct MelFilterbank: Sendable, Equatable {
    /// One filter: weights for bins firstBin ..< firstBin + weights.count; zero elsewhere.
    public struct Band: Sendable, Equatable {
        public let firstBin: Int
        public let weights: [Float]
    }

    public let sampleRate: Int
    public let nFFT: Int
    /// Lowest and highest band edges (Hz).
    public let fMin: Double
    public let fMax: Double
    /// nMels filters, lowest first.
    public let bands: [Band]

    /// Rows of the bank (mel bands).
    public var nMels: Int { bands.count }
    /// Columns of the bank (STFT bins): 1 + nFFT/2.
    public var binCount: Int { nFFT / 2 + 1 }

    /// The filterbank for `parameters` (sampleRate, nFFT, nMels, fMin, fMax).
    public init(parameters: SpectrogramParameters) throws {
        try parameters.validate()
        self.init(validSampleRate: parameters.sampleRate, nFFT: parameters.nFFT, nMels: parameters.nMels,
                  fMin: parameters.fMin, fMax: parameters.effectiveFMax)
    }

    private init(validSampleRate sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double, fMax: Double) {
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.fMin = fMin
        self.fMax = fMax
        let fftFrequencies = STFT.fftFrequencies(sampleRate: sampleRate, nFFT: nFFT)
        let edges = MelScale.melFrequencies(count: nMels + 2, fMin: fMin, fMax: fMax)
        bands = (0..<nMels).map { m in
            let lowerWidth = edges[m + 1] - edges[m], upperWidth = edges[m + 2] - edges[m + 1]
            let areaNorm = 2.0 / (edges[m + 2] - edges[m])
            var first = -1
            var weights: [Float] = []
            for (k, frequency) in fftFrequencies.enumerated() {
                // librosa: lower = -(mel_f[m] - f) / fdiff[m]; upper = (mel_f[m+2] - f) / fdiff[m+1]
                let lower = -(edges[m] - frequency) / lowerWidth
                let upper = (edges[m + 2] - frequency) / upperWidth
                let triangle = Float(max(0, min(lower, upper)))
                let weight = Float(Double(triangle) * areaNorm)
                if weight != 0 {
                    if first < 0 { first = k }
                    // Zeros inside a band (only possible for degenerate edges) are kept.
                    weights.append(contentsOf: repeatElement(0, count: k - first - weights.count))
                    weights.append(weight)
                }
            }
            return Band(firstBin: max(first, 0), weights: weights)
        }
    }

    /// The bank as a dense [nMels, 1 + nFFT/2] matrix, librosa's layout (for comparison
    /// and export; the computation uses the sparse bands).
    public func dense() -> FeatureMatrix {
        var matrix = FeatureMatrix(rows: nMels, columns: binCount)
        for (m, band) in bands.enumerated() {
            for (j, weight) in band.weights.enumerated() { matrix[m, band.firstBin + j] = weight }
        }
        return matrix
    }

    /// mel[m] = Σ_k bank[m, k] · spectrum[k] for one frame: `spectrum` has binCount values,
    /// `mel` receives nMels values at stride `stride` (to write a column of a row-major
    /// [nMels, frames] matrix in place).
    @inline(__always)
    func apply(spectrum: UnsafePointer<Float>, to mel: UnsafeMutablePointer<Float>, stride: Int) {
        for (m, band) in bands.enumerated() {
            mel[m * stride] = band.weights.isEmpty ? 0 : band.weights.withUnsafeBufferPointer { weights in
                VectorMath.dot(weights.baseAddress!, spectrum + band.firstBin, count: weights.count)
            }
        }
    }

    /// `bank · S` for a [1 + nFFT/2, frames] spectrogram S: the [nMels, frames] mel
    /// spectrogram (librosa `melspectrogram(S=S)`; S is |STFT|^power).
    public func apply(to spectrogram: FeatureMatrix) -> FeatureMatrix {
        precondition(spectrogram.rows == binCount, "spectrogram has \(spectrogram.rows) bins, the filterbank \(binCount)")
        let frames = spectrogram.columns
        var result = FeatureMatrix(rows: nMels, columns: frames)
        var column = [Float](repeating: 0, count: binCount)
        result.withUnsafeMutableValues { out in
            for t in 0..<frames {
                for k in 0..<binCount { column[k] = spectrogram.values[k * frames + t] }
                column.withUnsafeBufferPointer { apply(spectrum: $0.baseAddress!, to: out.baseAddress! + t, stride: frames) }
            }
        }
        return result
    }

    private struct Key: Hashable {
        let sampleRate: Int, nFFT: Int, nMels: Int, fMin: Double, fMax: Double
    }
    private static let cache = Mutex<[Key: MelFilterbank]>([:])

    /// The bank for already validated parameters, built once per process and setting.
    static func shared(for parameters: SpectrogramParameters) -> MelFilterbank {
        let key = Key(sampleRate: parameters.sampleRate, nFFT: parameters.nFFT, nMels: parameters.nMels,
                      fMin: parameters.fMin, fMax: parameters.effectiveFMax)
        if let bank = cache.withLock({ $0[key] }) { return bank }
        let bank = MelFilterbank(validSampleRate: key.sampleRate, nFFT: key.nFFT, nMels: key.nMels,
                                 fMin: key.fMin, fMax: key.fMax)
        cache.withLock { $0[key] = bank }
        return bank
    }
}
