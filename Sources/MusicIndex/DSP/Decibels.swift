import Foundation

/// Power ↔ decibel conversion.
public enum Decibels {
    /// Power (e.g. a mel power spectrogram) in dB relative to `ref`, with a floor:
    /// `10·log10(max(amin, S)) − 10·log10(max(amin, ref))`, then every value below
    /// `max − topDB` (max over the whole matrix) is raised to it (skipped when topDB is nil).
    /// Port of `librosa.power_to_db(S, ref=ref, amin=amin, top_db=top_db)` with a scalar ref.
    ///
    /// Units: dB; with the defaults (ref 1, amin 1e-10, topDB 80) the result lies in
    /// [max(-100, max − 80), max]; silence gives -100 everywhere. The logarithms are taken in
    /// Double and the result rounded to Float (error well below 1e-5 dB).
    public static func powerToDB(_ power: FeatureMatrix, ref: Double = 1, amin: Double = 1e-10,
                                 topDB: Double? = 80) throws -> FeatureMatrix {
        try SpectrogramParameters(ref: ref, amin: amin, topDB: topDB).validate()
        var result = power
        result.withUnsafeMutableValues { convertInPlace($0, ref: ref, amin: amin, topDB: topDB) }
        return result
    }

    /// powerToDB with the dB settings of `parameters` (ref, amin, topDB).
    public static func powerToDB(_ power: FeatureMatrix, parameters: SpectrogramParameters) throws -> FeatureMatrix {
        try powerToDB(power, ref: parameters.ref, amin: parameters.amin, topDB: parameters.topDB)
    }

    /// In-place power_to_db over a whole matrix (settings already validated).
    static func convertInPlace(_ values: UnsafeMutableBufferPointer<Float>, ref: Double, amin: Double, topDB: Double?) {
        // 10·log10(x) as (10 / ln 10)·ln(x): glibc's log is several times faster than log10
        // and the extra rounding (1e-16 relative) disappears in the Float result.
        let scale = 10 / M_LN10
        let offset = scale * log(max(amin, abs(ref)))
        var maximum = -Double.infinity
        for i in values.indices {
            let db = scale * log(max(amin, Double(values[i]))) - offset
            values[i] = Float(db)
            maximum = max(maximum, db)
        }
        guard let topDB, !values.isEmpty else { return }
        // librosa clips at (max of the dB matrix) − top_db; here the max is of the Double
        // values before rounding to Float, the floor rounded like every other value.
        let floor = Float(maximum - topDB)
        for i in values.indices where values[i] < floor { values[i] = floor }
    }
}
