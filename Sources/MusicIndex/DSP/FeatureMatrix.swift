/// A 2-D feature array in librosa's axis order: one row per feature dimension (mel band,
/// frequency bin, MFCC, pitch class), one column per frame. A mel spectrogram is
/// [nMels, frames], a magnitude spectrogram [1 + nFFT/2, frames], as `S[band, t]` in librosa.
///
/// `values` is row-major (C order, numpy's default): element (r, c) is
/// `values[r * columns + c]`, so a row (one band over time) is contiguous, as in the
/// fixtures' `.f32` files.
public struct FeatureMatrix: Sendable, Equatable {
    /// Feature dimensions (bands, bins, coefficients).
    public let rows: Int
    /// Frames.
    public let columns: Int
    /// rows * columns values, row-major.
    public private(set) var values: [Float]

    /// Wraps `values` (row-major, exactly rows * columns of them).
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "negative matrix shape [\(rows), \(columns)]")
        precondition(values.count == rows * columns,
                     "\(values.count) values do not fill a [\(rows), \(columns)] matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A [rows, columns] matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: value, count: rows * columns))
    }

    /// The shape as librosa/numpy would print it: [rows, columns].
    public var shape: [Int] { [rows, columns] }

    /// Element at (row, column).
    public subscript(row: Int, column: Int) -> Float {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index (\(row), \(column)) outside \(shape)")
            return values[row * columns + column]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "index (\(row), \(column)) outside \(shape)")
            values[row * columns + column] = newValue
        }
    }

    /// One row (one feature dimension over all frames), `columns` values.
    public func row(_ row: Int) -> ArraySlice<Float> {
        precondition(row >= 0 && row < rows, "row \(row) outside 0..<\(rows)")
        return values[row * columns ..< (row + 1) * columns]
    }

    /// One column (one frame's feature vector), `rows` values.
    public func column(_ column: Int) -> [Float] {
        precondition(column >= 0 && column < columns, "column \(column) outside 0..<\(columns)")
        return (0..<rows).map { values[$0 * columns + column] }
    }

    /// The frames in `range` as a new [rows, range.count] matrix, e.g. one fixed-length
    /// segment of a spectrogram for the model (`S[:, range]` in numpy).
    public func columns(_ range: Range<Int>) -> FeatureMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= columns,
                     "columns \(range) outside 0..<\(columns)")
        var slice = [Float]()
        slice.reserveCapacity(rows * range.count)
        for row in 0..<rows {
            slice.append(contentsOf: values[row * columns + range.lowerBound ..< row * columns + range.upperBound])
        }
        return FeatureMatrix(rows: rows, columns: range.count, values: slice)
    }

    /// Calls `body` with mutable access to the row-major storage (for the filling loops of
    /// the DSP code; the count must not change).
    mutating func withUnsafeMutableValues<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try values.withUnsafeMutableBufferPointer { try body($0) }
    }
}
