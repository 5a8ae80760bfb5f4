/// The model-input segments of a track as one NumPy array, float32 of shape
/// [segments, mels, frames]: what `musicindex features --out` writes and the training
/// pipeline loads with `numpy.load`.
public enum SegmentArray {
    /// Writes the segments to `path` (.npy, written atomically). All segments must share
    /// one shape.
    public static func write(_ segments: [FeatureMatrix], to path: String) throws {
        let rows = segments.first?.rows ?? 0
        let columns = segments.first?.columns ?? 0
        precondition(segments.allSatisfy { $0.rows == rows && $0.columns == columns }, "segments differ in shape")
        var values = [Float]()
        values.reserveCapacity(segments.count * rows * columns)
        for segment in segments { values.append(contentsOf: segment.values) }
        try NPYWriter.write(values: values, shape: [segments.count, rows, columns], to: path)
    }

    /// Writes one matrix as a [rows, columns] float32 array.
    public static func write(matrix: FeatureMatrix, to path: String) throws {
        try NPYWriter.write(values: matrix.values, shape: [matrix.rows, matrix.columns], to: path)
    }
}
