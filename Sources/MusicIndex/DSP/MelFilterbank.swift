internal import CKernels
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
/// 54 bins per band, about 1/50 of the dense matrix). Applying the bank is a short sum per
/// band, taken for up to eight frames at once, one per SIMD lane (`applyBlock`, the C
/// kernel `musicindex_mel_block`): each band's bins in order, so a frame's values are the
/// same whichever frames share its pass.
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
    /// The bands flattened for the kernel: first bin, weight count and offset into `weights`.
    private let firsts: [Int32], counts: [Int32], offsets: [Int32]
    private let weights: [Float]

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
        firsts = bands.map { Int32($0.firstBin) }
        counts = bands.map { Int32($0.weights.count) }
        var offsets: [Int32] = [], total = 0
        for band in bands {
            offsets.append(Int32(total))
            total += band.weights.count
        }
        self.offsets = offsets
        weights = bands.flatMap(\.weights)
    }

    /// Frames per `applyBlock` call.
    static let blockFrames = 8

    /// Scratch memory for `applyBlock`: a block of power spectra transposed, frame-minor.
    final class Scratch {
        let values: UnsafeMutablePointer<Float>

        init(binCount: Int) {
            values = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<Float>.stride * binCount * MelFilterbank.blockFrames,
                                                      alignment: 32).bindMemory(to: Float.self, capacity: binCount * MelFilterbank.blockFrames)
        }

        deinit { values.deallocate() }
    }

    /// mel[m * stride + f] = Σ_k bank[m, k] · power[f * binCount + k] for f < frames (1...8):
    /// `frames` spectra of binCount values each, `binCount` apart, into columns f of a
    /// row-major [nMels, stride] matrix from `mel`.
    func applyBlock(power: UnsafePointer<Float>, frames: Int, to mel: UnsafeMutablePointer<Float>, stride: Int, scratch: Scratch) {
        precondition(frames >= 1 && frames <= Self.blockFrames, "1 to \(Self.blockFrames) frames per block")
        firsts.withUnsafeBufferPointer { firsts in
            counts.withUnsafeBufferPointer { counts in
                offsets.withUnsafeBufferPointer { offsets in
                    weights.withUnsafeBufferPointer { weights in
                        musicindex_mel_block(power, frames, binCount, nMels, firsts.baseAddress, counts.baseAddress,
                                             offsets.baseAddress, weights.baseAddress, scratch.values, mel, stride)
                    }
                }
            }
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

    /// `bank · S` for a [1 + nFFT/2, frames] spectrogram S: the [nMels, frames] mel
    /// spectrogram (librosa `melspectrogram(S=S)`; S is |STFT|^power).
    public func apply(to spectrogram: FeatureMatrix) -> FeatureMatrix {
        precondition(spectrogram.rows == binCount, "spectrogram has \(spectrogram.rows) bins, the filterbank \(binCount)")
        let frames = spectrogram.columns
        var result = FeatureMatrix(rows: nMels, columns: frames)
        // Eight columns at a time, each copied into a contiguous spectrum.
        let block = Self.blockFrames
        var columns = [Float](repeating: 0, count: block * binCount)
        let scratch = Scratch(binCount: binCount)
        result.withUnsafeMutableValues { out in
            var t = 0
            while t < frames {
                let count = min(block, frames - t)
                for f in 0..<count {
                    for k in 0..<binCount { columns[f * binCount + k] = spectrogram.values[k * frames + t + f] }
                }
                columns.withUnsafeBufferPointer {
                    applyBlock(power: $0.baseAddress!, frames: count, to: out.baseAddress! + t, stride: frames, scratch: scratch)
                }
                t += count
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
