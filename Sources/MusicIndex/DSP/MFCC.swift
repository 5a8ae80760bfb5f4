import Foundation

/// Mel-frequency cepstral coefficients.
public enum MFCC {
    /// The first `count` coefficients of the orthonormal DCT-II of each column of a log-power
    /// mel spectrogram: [count, frames]. Port of
    /// `librosa.feature.mfcc(S=melDB, n_mfcc=count, dct_type=2, norm='ortho', lifter=0)`, i.e.
    /// `scipy.fft.dct(S, type=2, norm='ortho', axis=-2)[:count]`:
    /// `c[k] = s_k · Σ_n S[n] cos(π k (2n + 1) / (2N))`, s_0 = √(1/N), s_k = √(2/N).
    ///
    /// Units follow the input (dB in, dB-scaled coefficients out; c[0] = √N · mean dB).
    /// Basis in Double, products and sums in Double, result rounded to Float.
    public static func mfcc(melDB: FeatureMatrix, count: Int = 13) throws -> FeatureMatrix {
        guard count >= 1, count <= melDB.rows else {
            throw MusicIndexError.invalidArgument(
                "invalid MFCC count \(count): must be between 1 and the \(melDB.rows) mel bands")
        }
        let bands = melDB.rows, frames = melDB.columns
        let basis = dctBasis(count: count, length: bands)
        var result = FeatureMatrix(rows: count, columns: frames)
        // Blocks of frames whose mel columns stay in the cache while every coefficient is summed;
        // within a block, row by row (contiguous reads of the mel matrix).
        let block = 256
        var sums = [Double](repeating: 0, count: block)
        result.withUnsafeMutableValues { out in
            melDB.values.withUnsafeBufferPointer { mel in
                for first in stride(from: 0, to: frames, by: block) {
                    let width = min(block, frames - first)
                    for k in 0..<count {
                        for t in 0..<width { sums[t] = 0 }
                        for n in 0..<bands {
                            let weight = basis[k * bands + n]
                            let row = mel.baseAddress! + n * frames + first
                            for t in 0..<width { sums[t] += weight * Double(row[t]) }
                        }
                        for t in 0..<width { out[k * frames + first + t] = Float(sums[t]) }
                    }
                }
            }
        }
        return result
    }

    /// Row-major [count, length] orthonormal DCT-II basis.
    static func dctBasis(count: Int, length: Int) -> [Double] {
        let n = Double(length)
        var basis = [Double](repeating: 0, count: count * length)
        for k in 0..<count {
            let scale = k == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot()
            for i in 0..<length {
                basis[k * length + i] = scale * cos(Double.pi * Double(k) * Double(2 * i + 1) / (2 * n))
            }
        }
        return basis
    }
}
