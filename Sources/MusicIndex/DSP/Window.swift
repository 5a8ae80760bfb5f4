import Foundation

/// Analysis windows.
public enum Window {
    /// The periodic ("DFT-even") Hann window of `length` samples, values in 0...1, first
    /// sample 0: `w[j] = 0.5 + 0.5 cos(-π + 2π j / length)` = `0.5 - 0.5 cos(2π j / length)`.
    ///
    /// Port of `librosa.filters.get_window('hann', length, fftbins=True)`, i.e.
    /// `scipy.signal.get_window` → `general_cosine(length + 1, [0.5, 0.5], sym=True)` with the
    /// last point dropped; computed in Double the same way (a `linspace(-π, π)` phase) and
    /// rounded to Float.
    public static func hann(_ length: Int) -> [Float] {
        hannDouble(length).map { Float($0) }
    }

    /// `hann(length)` before rounding to Float (what librosa multiplies frames with).
    static func hannDouble(_ length: Int) -> [Double] {
        precondition(length >= 0, "window length must be >= 0")
        if length == 1 { return [1] }  // scipy returns ones(1) for a single point
        let step = (Double.pi - -Double.pi) / Double(length)
        return (0..<length).map { j in
            let phase = Double(j) * step + -Double.pi
            return 0.5 + 0.5 * cos(phase)
        }
    }
}
