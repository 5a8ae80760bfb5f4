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
    /// the floor computed in Double). Other values use an 8-lane Float logarithm
    /// (`VectorMath.log`, 1e-7 relative): the dB error stays below 2e-5 dB.
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
            let floorLanes = SIMD8<Float>(repeating: aminF)
            var maxLanes = SIMD8<Float>(repeating: -.infinity)
            while i + 8 <= count {
                let power = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                var db = Float(scale) * VectorMath.log(power.replacing(with: floorLanes, where: floorLanes .> power)) - Float(offset)
                db = db.replacing(with: floorDB, where: power .<= floorLanes)
                UnsafeMutableRawPointer(x + i).storeBytes(of: db, as: SIMD8<Float>.self)
                // Swift's pointwiseMax, written out: it is not always inlined.
                maxLanes = maxLanes.replacing(with: db, where: db .>= maxLanes)
                i += 8
            }
            maximum = maxLanes.max()
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
        for i in values.indices where values[i] < floor { values[i] = floor }
    }
}
