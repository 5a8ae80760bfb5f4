import Foundation

/// The mean tempogram in O(frames · window) instead of O(frames · window²), exploiting the
/// Hann window.
///
/// Frame t's autocorrelation at lag L is r_t[L] = Σ_i w[i] w[i+L] x[t+i] x[t+i+L] over
/// i = 0 ..< N − L, with x the padded envelope and w[i] = ½ − ½ cos θi, θ = 2π/N. The product
/// w[i] w[i+L] is a trigonometric polynomial of degree 2 in i:
///
///     w[i] w[i+L] = ¼ + ⅛ cos θL − ¼ (cos θi + cos θ(i+L)) + ⅛ cos θ(2i+L)
///
/// so, with p[m] = x[m] x[m+L] and the window W_t = [t, t+N−1−L], r_t[L] is a fixed
/// combination (coefficients depending on t and L only) of five sums over W_t:
/// Σ p[m], Σ cos θm · p[m], Σ sin θm · p[m], Σ cos 2θm · p[m], Σ sin 2θm · p[m]. Moving from
/// frame t to t+1 drops one term and adds one to each sum, so every lag of every frame costs
/// a few dozen flops, four lags per SIMD pass.
///
/// Sliding sums accumulate rounding: a sum that was large and has become small (a quiet
/// passage after a loud one) keeps the absolute error of its large past. The error is bounded
/// rigorously per frame from the envelope's energy (see `plan`); the sums restart from a
/// direct evaluation whenever the bound would exceed `tolerance` relative to the frame's
/// lag-0 value and a restart helps, and a frame a restart cannot rescue (energy at the frame's
/// edges where the window vanishes, values at the bottom of Double's range) is computed
/// directly. Each frame's normalised autocorrelation is thus within `tolerance` of the direct
/// Double computation's, and so is the mean.
extension TempoEstimator {
    /// Per-frame tolerance the sliding sums are held to (the mean adds accumulation rounding).
    static let slidingFrameTolerance = 1e-9

    /// The mean tempogram from sliding sums.
    struct SlidingTempogram {
        /// One value per lag.
        var mean: [Double]
        /// A bound on |mean[lag] − meanTempogram's| for every lag: `slidingFrameTolerance` plus
        /// the rounding of the accumulations (typically 1e-11 or less).
        var errorBound: Double
        /// Frames computed directly (lag-0 value too small against their energy).
        var directFrames: Int
    }
    /// Fewest frames between two restarts of the sliding sums (a restart costs about as much
    /// as sliding N²/8 frames of one lag group).
    private static let minimumRestartSpacing = 64

    /// `meanTempogram(envelope, window)` (librosa's Hann-windowed, peak-normalised tempogram
    /// averaged over frames), each value within the returned bound of it.
    static func meanTempogramSliding(_ envelope: [Float], window: Int) -> SlidingTempogram {
        let n = envelope.count, size = window
        precondition(n >= 1 && size >= 1, "an envelope and a window of at least one value")
        let (padded, hann) = framing(envelope.map(Double.init), window: size)
        // The padded envelope with zeros around it: loads for the (discarded) lanes of lags
        // at or beyond the window may reach a few values outside it.
        let front = 8
        var x = [Double](repeating: 0, count: front + padded.count + size + 8)
        for (i, value) in padded.enumerated() { x[front + i] = value }

        let plan = slidingPlan(x: x, front: front, frames: n, window: size, hann: hann)
        var mean = [Double](repeating: 0, count: size)

        // Directly computed frames, as `meanTempogram` does them.
        if plan.directFrames > 0 {
            var frame = [Double](repeating: 0, count: size), r = frame
            var nonzero = [Int](repeating: 0, count: size)
            for t in 0..<n where plan.scale[t] == 0 {
                for i in 0..<size { frame[i] = padded[t + i] * hann[i] }
                r.withUnsafeMutableBufferPointer { r in
                    r.update(repeating: 0)
                    frame.withUnsafeBufferPointer { frame in
                        autocorrelate(frame.baseAddress!, count: size, into: r.baseAddress!, nonzero: &nonzero)
                    }
                    let divisor = r[0] < Double.leastNormalMagnitude ? 1.0 : r[0]
                    for lag in 0..<size { mean[lag] += r[lag] / divisor }
                }
            }
        }

        // Trigonometric tables over one period, a few values past it so four consecutive
        // entries can be loaded from any index below `size`.
        let theta = 2 * Double.pi / Double(size)
        func table(_ f: (Double) -> Double, harmonic: Int) -> [Double] {
            (0..<(size + 4)).map { f(theta * Double((harmonic * ($0 % size)) % size)) }
        }
        let cos1 = table(cos, harmonic: 1), sin1 = table(sin, harmonic: 1)
        let cos2 = table(cos, harmonic: 2), sin2 = table(sin, harmonic: 2)

        var terms = [Double](repeating: 0, count: FrameTerm.count * n)
        for t in 0..<n {
            let w = plan.scale[t], i = t % size
            let base = FrameTerm.count * t
            terms[base] = w
            terms[base + 1] = w * cos1[i]; terms[base + 2] = w * sin1[i]
            terms[base + 3] = w * cos2[i]; terms[base + 4] = w * sin2[i]
            terms[base + 5] = cos1[i]; terms[base + 6] = sin1[i]
            terms[base + 7] = cos2[i]; terms[base + 8] = sin2[i]
        }

        x.withUnsafeBufferPointer { xBuffer in
            terms.withUnsafeBufferPointer { terms in
                cos1.withUnsafeBufferPointer { c1 in
                    sin1.withUnsafeBufferPointer { s1 in
                        cos2.withUnsafeBufferPointer { c2 in
                            sin2.withUnsafeBufferPointer { s2 in
                                let tables = Tables(c1: c1.baseAddress!, s1: s1.baseAddress!, c2: c2.baseAddress!, s2: s2.baseAddress!)
                                let xs = xBuffer.baseAddress! + front
                                for (index, start) in plan.restarts.enumerated() {
                                    let end = index + 1 < plan.restarts.count ? plan.restarts[index + 1] : n
                                    var group = 0
                                    while 4 * group < size {
                                        let sums = slide(x: xs, tables: tables, terms: terms.baseAddress!, window: size,
                                                         firstLag: 4 * group, frames: start..<end, theta: theta)
                                        // Lane l holds lag firstLag + 3 − l.
                                        for lane in 0..<4 {
                                            let lag = 4 * group + 3 - lane
                                            if lag < size { mean[lag] += sums[lane] }
                                        }
                                        group += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return SlidingTempogram(mean: mean.map { $0 / Double(n) }, errorBound: slidingFrameTolerance + plan.accumulationBound,
                                directFrames: plan.directFrames)
    }

    private struct Tables {
        let c1: UnsafePointer<Double>, s1: UnsafePointer<Double>, c2: UnsafePointer<Double>, s2: UnsafePointer<Double>
    }

    /// Where the sliding sums restart, and each frame's weight: 1 / r_t[0] for a frame the
    /// sums serve, 0 for one computed directly.
    private struct SlidingPlan {
        var restarts: [Int] = []
        var scale: [Double]
        var directFrames = 0
        /// Bound on the rounding of the weighted sums over frames, in the mean's units.
        var accumulationBound = 0.0
    }

    /// Decides restarts and direct frames from a bound on the sliding sums' error.
    ///
    /// With U_t = Σ x[m]² over frame t's span [t, t+N), every |p[m]| summed for frame t (any
    /// lag) is at most U_t (|x[a] x[b]| ≤ (x[a]² + x[b]²)/2, both indices in the span), and so
    /// is each sum. Evaluating a sum directly at a restart errs by at most (2N + 4)ε·U; each
    /// slide (two products each side, a difference, the sum) by at most 4ε(U_t + U_{t+1}); the
    /// five sums combine with coefficients whose magnitudes add to at most 1.625, computed and
    /// applied with a few more roundings, which with the tables' and the Hann window's own
    /// rounding stay below 24ε·U_t. Hence |r̂_t[L] − r_t[L]| ≤ 2(E_t + 24εU_t),
    /// E_t the accumulated sum error; a frame is served by the sums when that is at most
    /// `tolerance` · r_t[0] (r_t[0] and U_t computed directly).
    private static func slidingPlan(x: [Double], front: Int, frames n: Int, window size: Int,
                                    hann: [Double]) -> SlidingPlan {
        let epsilon = Double.ulpOfOne / 2
        let tolerance = slidingFrameTolerance
        var energy = [Double](repeating: 0, count: n + 1), lagZero = [Double](repeating: 0, count: n)
        let squares = x.map { $0 * $0 }
        let hannSquared = hann.map { $0 * $0 }
        squares.withUnsafeBufferPointer { squares in
            hannSquared.withUnsafeBufferPointer { weights in
                for t in 0...n {
                    let span = squares.baseAddress! + front + t
                    var u = SIMD4<Double>(), r = SIMD4<Double>()
                    var i = 0
                    while i + 4 <= size {
                        let s = UnsafeRawPointer(span + i).loadUnaligned(as: SIMD4<Double>.self)
                        u += s
                        if t < n { r += UnsafeRawPointer(weights.baseAddress! + i).loadUnaligned(as: SIMD4<Double>.self) * s }
                        i += 4
                    }
                    var uSum = u.sum(), rSum = r.sum()
                    while i < size {
                        uSum += span[i]
                        if t < n { rSum += weights[i] * span[i] }
                        i += 1
                    }
                    // A small margin for the rounding of U itself.
                    energy[t] = uSum * (1 + Double(size) * 4 * epsilon)
                    if t < n { lagZero[t] = rSum }
                }
            }
        }
        var plan = SlidingPlan(scale: [Double](repeating: 0, count: n))
        let restartError = { (t: Int) in (2 * Double(size) + 4) * epsilon * energy[t] }
        var accumulated = 0.0
        for t in 0..<n {
            let r0 = lagZero[t]
            func served(_ e: Double) -> Bool {
                2 * (e + 24 * epsilon * energy[t]) <= tolerance * r0 * (1 - Double(size) * 4 * epsilon)
            }
            if t == 0 {
                plan.restarts.append(0)
                accumulated = restartError(0)
            }
            if r0 >= Double.leastNormalMagnitude {
                if served(accumulated) {
                    plan.scale[t] = 1 / r0
                } else if t - plan.restarts.last! >= minimumRestartSpacing, served(restartError(t)) {
                    plan.restarts.append(t)
                    accumulated = restartError(t)
                    plan.scale[t] = 1 / r0
                }
            }
            if plan.scale[t] == 0 { plan.directFrames += 1 }
            accumulated += 4 * epsilon * (energy[t] + energy[t + 1])
        }
        // Each of the five accumulators adds, per frame, terms of at most w_t·U_t (the lag's
        // coefficients, at most 1.625 in all, come after); over a run of `length` frames its
        // rounding is at most 2ε·length·Σ w_t U_t. The mean's own additions and the final
        // division add a few ε.
        for (index, start) in plan.restarts.enumerated() {
            let end = index + 1 < plan.restarts.count ? plan.restarts[index + 1] : n
            var weighted = 0.0
            for t in start..<end { weighted += plan.scale[t] * energy[t] }
            plan.accumulationBound += 4 * epsilon * Double(end - start) * weighted
        }
        plan.accumulationBound = plan.accumulationBound / Double(n) + Double(plan.restarts.count + 4) * 2 * epsilon
        return plan
    }

    /// Per-frame values the sliding loop reads, interleaved (`count` per frame): the frame's
    /// weight w_t (1 / r_t[0], or 0), w_t·cos θt, w_t·sin θt, w_t·cos 2θt, w_t·sin 2θt, and
    /// cos θt, sin θt, cos 2θt, sin 2θt (the factors of the term the slide drops).
    private enum FrameTerm {
        static let count = 9
    }

    /// Σ_t w_t · r_t[L] over `frames` for the four lags firstLag + 3 − l (lane l), the
    /// sliding sums started directly at the first frame.
    ///
    /// With k-coefficients
    ///     r_t = A·s0 + ((qc − ¼) cos θt + qs sin θt)·sc1 + ((qc − ¼) sin θt − qs cos θt)·ss1
    ///           + (ec cos 2θt + es sin 2θt)·sc2 + (ec sin 2θt − es cos 2θt)·ss2
    /// (A = ¼ + ⅛ cos θL, qc = −¼ cos θL, qs = −¼ sin θL, ec = ⅛ cos θL, es = ⅛ sin θL), the
    /// weighted sum over frames needs only five accumulators of products of the sums with
    /// per-frame scalars; the lag's coefficients are applied once at the end.
    @inline(__always)
    private static func slide(x: UnsafePointer<Double>, tables: Tables, terms: UnsafePointer<Double>, window size: Int,
                              firstLag: Int, frames: Range<Int>, theta: Double) -> SIMD4<Double> {
        typealias V = SIMD4<Double>
        @inline(__always) func load(_ p: UnsafePointer<Double>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func reversed(_ v: V) -> V { v[SIMD4<Int>(3, 2, 1, 0)] }
        let start = frames.lowerBound

        // The five sums over frame `start`'s window [start, start + N − 1 − L] of each lane.
        var s0 = V(), sc1 = V(), ss1 = V(), sc2 = V(), ss2 = V()
        let lengths = V(Double(size - firstLag - 3), Double(size - firstLag - 2), Double(size - firstLag - 1), Double(size - firstLag))
        var index = start % size
        for j in 0..<max(0, size - firstLag) {
            let m = start + j
            var p = x[m] * reversed(load(x + m + firstLag))
            p.replace(with: 0, where: V(repeating: Double(j)) .>= lengths)
            s0 += p
            sc1 += tables.c1[index] * p
            ss1 += tables.s1[index] * p
            sc2 += tables.c2[index] * p
            ss2 += tables.s2[index] * p
            index += 1
            if index == size { index = 0 }
        }

        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V()
        var head = ((start - firstLag - 3) % size + size) % size  // table index of m = t + N − L for lane 0
        var term = terms + FrameTerm.count * start
        for t in frames {
            let w = V(repeating: term[0])
            let wc1 = V(repeating: term[1]), ws1 = V(repeating: term[2])
            let wc2 = V(repeating: term[3]), ws2 = V(repeating: term[4])
            a0 += w * s0
            a1 += wc1 * sc1 + ws1 * ss1
            a2 += ws1 * sc1 - wc1 * ss1
            a3 += wc2 * sc2 + ws2 * ss2
            a4 += ws2 * sc2 - wc2 * ss2
            // Slide to t + 1: drop m = t, add m = t + N − L.
            let dropped = x[t] * reversed(load(x + t + firstLag))
            let added = x[t + size] * load(x + t + size - firstLag - 3)
            s0 += added - dropped
            sc1 += load(tables.c1 + head) * added - term[5] * dropped
            ss1 += load(tables.s1 + head) * added - term[6] * dropped
            sc2 += load(tables.c2 + head) * added - term[7] * dropped
            ss2 += load(tables.s2 + head) * added - term[8] * dropped
            head += 1
            if head == size { head = 0 }
            term += FrameTerm.count
        }

        let lags = V(Double(firstLag + 3), Double(firstLag + 2), Double(firstLag + 1), Double(firstLag))
        let angles = theta * lags
        let cosLag = V(cos(angles[0]), cos(angles[1]), cos(angles[2]), cos(angles[3]))
        let sinLag = V(sin(angles[0]), sin(angles[1]), sin(angles[2]), sin(angles[3]))
        let constant = 0.25 + 0.125 * cosLag
        return constant * a0 + (-0.25 * cosLag - 0.25) * a1 - 0.25 * sinLag * a2 + 0.125 * cosLag * a3 + 0.125 * sinLag * a4
    }
}
