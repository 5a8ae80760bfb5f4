internal import CKernels
import Foundation

/// Power ↔ decibel conversion.
public enum Decibels {
    /// Power (e.g. a mel power spectrogram) in dB relative to `ref`, with a floor:
    /// `10·log10(max(amin, S)) − 10·log10(max(amin, ref))`, then every value below
    /// `max − topDB` (max over the whole matrix) is raised to it (skipped when topDB is nil).
    /// Port of `librosa.power_to_db(S, ref=ref, amin=amin, top_db=top_db)` with a scalar ref.
    ///
    /// Units: dB; with the defaults (ref 1, amin 1e-10, topDB 80) the result lies in
    /// [max(-100, max − 80), max]; silence gives -100 everywhere (values at or below amin get
    /// the floor computed in Double). Other values use a 16-lane Float logarithm
    /// (`VectorMath.log`'s, 1e-7 relative): the dB error stays below 2e-5 dB.
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
        guard !values.isEmpty else { return }
        // 10·log10(x) = (10 / ln 10)·ln(x).
        let scale = 10 / M_LN10
        let offset = scale * log(max(amin, abs(ref)))
        let floorDB = Float(scale * log(amin) - offset)
        let count = values.count, x = values.baseAddress!
        var maximum: Float = -.infinity
        var i = 0
        let aminF = Float(amin)
        if aminF >= Float.leastNormalMagnitude {
            // 16 lanes at a time in C (`VectorMath.log`'s operations), the rest below.
            maximum = musicindex_decibels(x, count, aminF, Float(scale), Float(offset), floorDB, &i)
        }
        while i < count {
            let db = Float(scale * log(max(amin, Double(x[i]))) - offset)
            x[i] = db
            maximum = max(maximum, db)
            i += 1
        }
        guard let topDB else { return }
        // librosa clips at (max of the dB matrix) − top_db.
        let floor = Float(Double(maximum) - topDB)
        musicindex_raise_to(x, count, floor)
    }
}
