internal import CKernels

/// Small vectorised kernels for the DSP hot loops.
///
/// Swift keeps floating-point addition in source order, so a plain `sum += a[i] * b[i]` loop
/// is never vectorised; these helpers use explicit SIMD lanes (several partial sums, combined
/// at the end), which is also more accurate than one running sum (pairwise-like rounding).
enum VectorMath {
    /// Σ a[i] * b[i] over `count` elements, Float accumulation in 16 lanes.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc1 += UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self)
            i += 16
        }
        if i + 8 <= count {
            acc0 += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// Σ a[i] over `count` elements, in Double (each Float widened exactly).
    @inline(__always)
    static func sum(_ a: UnsafePointer<Float>, count: Int) -> Double {
        var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>()
        var i = 0
        while i + 16 <= count {
            acc0 += SIMD8<Double>(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self))
            acc1 += SIMD8<Double>(UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self))
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += Double(a[i])
            i += 1
        }
        return total
    }

    /// Σ a[i] * b[i] over `count` elements, Float inputs, Double products and accumulation.
    @inline(__always)
    static func dotDouble(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var acc0 = SIMD8<Double>(), acc1 = SIMD8<Double>()
        var i = 0
        while i + 16 <= count {
            acc0 += SIMD8<Double>(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self))
                * SIMD8<Double>(UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            acc1 += SIMD8<Double>(UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self))
                * SIMD8<Double>(UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self))
            i += 16
        }
        var total = (acc0 + acc1).sum()
        while i < count {
            total += Double(a[i]) * Double(b[i])
            i += 1
        }
        return total
    }
}

extension VectorMath {
    /// destination[i] = √source[i], correctly rounded (IEEE 754), for `count` values
    /// (`musicindex_square_root`: 16 lanes at a time where the processor has AVX-512).
    /// `destination` may be `source`.
    @inline(__always)
    static func squareRoot(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        musicindex_square_root(source, destination, count)
    }

    /// power[k] = re² + im² from `count` interleaved complex values (re0, im0, re1, im1, ...).
    @inline(__always)
    static func squaredMagnitudes(_ interleaved: UnsafePointer<Float>, into power: UnsafeMutablePointer<Float>, count: Int) {
        musicindex_power_spectrum(interleaved, power, count)
    }

    /// destination[i] = Float(Double(source[i]) · window[i]): the product rounded once.
    @inline(__always)
    static func multiply(_ source: UnsafePointer<Float>, by window: UnsafePointer<Double>,
                         into destination: UnsafeMutablePointer<Float>, count: Int) {
        musicindex_window(source, window, destination, count)
    }
}

extension VectorMath {
    /// Natural logarithm of 8 positive, normal Floats (>= 2^-126), to within 1e-7 relative
    /// (measured max 7.9e-8 over the normal range).
    ///
    /// musl's `logf` range reduction (x = 2^k · m, m in [√½, √2), by integer arithmetic on the
    /// bits, no branches) and Cephes' `logf` polynomial (S. Moshier): ln x = f − f²/2 +
    /// f³·P(f) + k·ln 2 with f = m − 1 and ln 2 split in two. Only whole-vector operations,
    /// no lane selects or int→float conversions (k is recovered from 1.5·2^23 + k), because
    /// Swift's generic SIMD code turns those into per-lane scalar code.
    @inline(__always)
    static func log(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        typealias U = SIMD8<UInt32>
        let ix = unsafeBitCast(x, to: U.self) &+ U(repeating: 0x3F80_0000 - 0x3F35_04F3)
        let k = unsafeBitCast((ix &>> U(repeating: 23)) &+ U(repeating: 0x4B40_0000 - 0x7F), to: V.self)
            - V(repeating: 12_582_912)
        let m = unsafeBitCast((ix & U(repeating: 0x007F_FFFF)) &+ U(repeating: 0x3F35_04F3), to: V.self)
        let f = m - V(repeating: 1)
        let z = f * f
        var y = V(repeating: 7.0376836292e-2) * f - V(repeating: 1.1514610310e-1)
        y = y * f + V(repeating: 1.1676998740e-1)
        y = y * f - V(repeating: 1.2420140846e-1)
        y = y * f + V(repeating: 1.4249322787e-1)
        y = y * f - V(repeating: 1.6668057665e-1)
        y = y * f + V(repeating: 2.0000714765e-1)
        y = y * f - V(repeating: 2.4999993993e-1)
        y = y * f + V(repeating: 3.3333331174e-1)
        y = y * f * z
        y += V(repeating: -2.12194440e-4) * k
        y += V(repeating: -0.5) * z
        return f + y + V(repeating: 0.693359375) * k
    }
}

/// Exponential, logistic sigmoid and tanh on eight lanes at once, for the network's gates.
///
/// `exp` is Cephes' `expf` (range reduction by ln 2 in two parts, a degree-6 polynomial,
/// scaling by 2^n through the exponent bits), within about 2 ulp of the correctly rounded
/// value for arguments in [-87, 88]; arguments outside are clamped (exp(-87) ≈ 1.6e-38, the
/// smallest normal range, and exp(88) ≈ 1.65e38). Only SSE2 operations are needed, so the
/// kernels vectorise on every x86-64 machine. NaN is not expected (the inputs are finite
/// network activations).
enum VectorMath8 {
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var x = x.clamped(lowerBound: SIMD8(repeating: -87), upperBound: SIMD8(repeating: 88))
        // n = round(x / ln 2): adding 1.5 * 2^23 rounds to an integer held in the low
        // mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        x = x - n * 0.693_359_375
        x = x - n * -2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * x + 1.398_199_95e-3
        p = p * x + 8.333_451_907e-3
        p = p * x + 4.166_579_589e-2
        p = p * x + 1.666_666_546e-1
        p = p * x + 5.000_000_12e-1
        p = p * (x * x) + x + 1
        // 2^n from the integer in `shifted`'s mantissa: (n + 127) << 23.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
        return p * scale
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        1 / (1 + exp(-x))
    }

    /// tanh x = 2 σ(2x) − 1 (absolute error about 1e-7 near 0).
    @inline(__always)
    static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        2 / (1 + exp(-2 * x)) - 1
    }
}
