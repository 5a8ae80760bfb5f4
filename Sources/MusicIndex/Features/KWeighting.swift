import Foundation

/// One second-order IIR section, normalised so that `a0 == 1`:
/// `y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]`.
///
/// It is run in transposed direct form II, the structure of `scipy.signal.lfilter`, with
/// zero initial state.
public struct Biquad: Sendable, Equatable {
    public let b0: Double, b1: Double, b2: Double
    public let a1: Double, a2: Double

    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0; self.b1 = b1; self.b2 = b2; self.a1 = a1; self.a2 = a2
    }

    /// Numerator `[b0, b1, b2]`, in the layout pyloudnorm and scipy print.
    public var b: [Double] { [b0, b1, b2] }
    /// Denominator `[1, a1, a2]`.
    public var a: [Double] { [1, a1, a2] }

    /// RBJ "Audio EQ Cookbook" high shelf, as written in pyloudnorm 0.2 `IIRfilter`
    /// (`filter_type='high_shelf'`): `A = 10^(G/40)`, `w0 = 2π fc/fs`, `alpha = sin(w0) / 2Q`.
    ///
    /// - Parameters:
    ///   - gain: shelf gain G in dB (any finite value).
    ///   - q: quality factor, > 0.
    ///   - frequency: shelf frequency fc in Hz, 0 < fc < fs/2.
    ///   - sampleRate: fs in Hz, > 0.
    public static func highShelf(gain: Double, q: Double, frequency: Double, sampleRate: Double) throws -> Biquad {
        try validate(q: q, frequency: frequency, sampleRate: sampleRate, gain: gain)
        let A = pow(10.0, gain / 40.0)
        let w0 = 2.0 * Double.pi * (frequency / sampleRate)
        let alpha = sin(w0) / (2.0 * q)
        let c = cos(w0), s = 2 * A.squareRoot() * alpha
        let b0 = A * ((A + 1) + (A - 1) * c + s)
        let b1 = -2 * A * ((A - 1) + (A + 1) * c)
        let b2 = A * ((A + 1) + (A - 1) * c - s)
        let a0 = (A + 1) - (A - 1) * c + s
        let a1 = 2 * ((A - 1) - (A + 1) * c)
        let a2 = (A + 1) - (A - 1) * c - s
        return Biquad(b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0)
    }

    /// RBJ "Audio EQ Cookbook" second-order high pass, as written in pyloudnorm 0.2
    /// `IIRfilter` (`filter_type='high_pass'`; its gain argument is unused).
    ///
    /// - Parameters:
    ///   - q: quality factor, > 0.
    ///   - frequency: cut-off fc in Hz, 0 < fc < fs/2.
    ///   - sampleRate: fs in Hz, > 0.
    public static func highPass(q: Double, frequency: Double, sampleRate: Double) throws -> Biquad {
        try validate(q: q, frequency: frequency, sampleRate: sampleRate, gain: 0)
        let w0 = 2.0 * Double.pi * (frequency / sampleRate)
        let alpha = sin(w0) / (2.0 * q)
        let c = cos(w0)
        let b0 = (1 + c) / 2
        let b1 = -(1 + c)
        let b2 = (1 + c) / 2
        let a0 = 1 + alpha
        let a1 = -2 * c
        let a2 = 1 - alpha
        return Biquad(b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0)
    }

    private static func validate(q: Double, frequency: Double, sampleRate: Double, gain: Double) throws {
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw MusicIndexError.invalidArgument("biquad: sample rate must be a positive number of Hz, got \(sampleRate)")
        }
        guard frequency.isFinite, frequency > 0, frequency < sampleRate / 2 else {
            throw MusicIndexError.invalidArgument("biquad: frequency \(frequency) Hz must lie strictly between 0 and the Nyquist frequency \(sampleRate / 2) Hz")
        }
        guard q.isFinite, q > 0 else {
            throw MusicIndexError.invalidArgument("biquad: Q must be positive, got \(q)")
        }
        guard gain.isFinite else {
            throw MusicIndexError.invalidArgument("biquad: gain must be a finite number of dB, got \(gain)")
        }
    }
}

/// The K-weighting pre-filter of ITU-R BS.1770-4, designed for any sample rate the way
/// pyloudnorm 0.2 designs it (`Meter(rate, filter_class="K-weighting")`): an RBJ high shelf
/// (G = +4 dB, Q = 1/√2, fc = 1500 Hz) followed by an RBJ high pass (Q = 0.5, fc = 38 Hz).
///
/// At 48 kHz these are close to, but not exactly, the coefficients tabulated in BS.1770
/// (pyloudnorm's design, not the table, is the reference here: its results are what the
/// fixtures hold). The two sections are returned in the order they are applied.
public enum KWeighting {
    public static let shelfGain = 4.0
    public static let shelfQ = 1.0 / 2.0.squareRoot()
    public static let shelfFrequency = 1500.0
    public static let highPassQ = 0.5
    public static let highPassFrequency = 38.0

    /// The two K-weighting sections for a sample rate in Hz. The rate must exceed 3000 Hz
    /// (twice the shelf frequency); anything lower is rejected.
    public static func filters(sampleRate: Double) throws -> (highShelf: Biquad, highPass: Biquad) {
        guard sampleRate.isFinite, sampleRate > 2 * shelfFrequency else {
            throw MusicIndexError.invalidArgument("K-weighting: sample rate must exceed \(Int(2 * shelfFrequency)) Hz, got \(sampleRate)")
        }
        return (try Biquad.highShelf(gain: shelfGain, q: shelfQ, frequency: shelfFrequency, sampleRate: sampleRate),
                try Biquad.highPass(q: highPassQ, frequency: highPassFrequency, sampleRate: sampleRate))
    }
}
