import Foundation
import Testing
@testable import MusicIndex

/// The tempo estimator's sliding-sum tempogram against the direct Double sums it stands in
/// for: values within the stated bound, and the chosen tempo always the direct computation's.
@Suite struct TempoFastPathTests {
    /// Onset-like envelopes: mostly zeros, bursts at a period with jitter, some noise.
    static func envelope(seed: UInt64, frames: Int) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        let period = Int.random(in: 8...60, using: &generator)
        var values = [Float](repeating: 0, count: frames)
        var position = Int.random(in: 0..<period, using: &generator)
        while position < frames {
            values[position] = Float.random(in: 0.5...8, using: &generator)
            if position + 1 < frames { values[position + 1] = Float.random(in: 0...2, using: &generator) }
            position += period + Int.random(in: -2...2, using: &generator)
        }
        for i in 0..<frames where Float.random(in: 0...1, using: &generator) < 0.2 {
            values[i] += Float.random(in: 0...1, using: &generator)
        }
        return values
    }

    static func worstDifference(_ envelope: [Float], window: Int) -> (difference: Double, bound: Double, directFrames: Int) {
        let sliding = TempoEstimator.meanTempogramSliding(envelope, window: window)
        let exact = TempoEstimator.meanTempogram(envelope.map(Double.init), window: window)
        var worst = 0.0
        for (a, b) in zip(sliding.mean, exact) { worst = max(worst, abs(a - b)) }
        return (sliding.mean.count == exact.count ? worst : .infinity, sliding.errorBound, sliding.directFrames)
    }

    @Test func slidingTempogramMatchesTheDirectSums() throws {
        // The default window, small and odd windows (lanes past the last lag), envelopes
        // shorter than the window, and one longer than a restart interval.
        let cases: [(frames: Int, window: Int)] = [(200, 344), (237, 344), (3000, 344), (1500, 345), (5, 344),
                                                   (1, 7), (40, 1), (40, 2), (41, 3), (300, 5), (300, 64)]
        for (seed, c) in cases.enumerated() {
            let envelope = Self.envelope(seed: UInt64(seed), frames: c.frames)
            let (worst, bound, direct) = Self.worstDifference(envelope, window: c.window)
            #expect(bound < 2e-9)
            // The sums are in fact about as exact as the direct ones.
            #expect(worst < 1e-12, "frames \(c.frames), window \(c.window): largest difference \(worst)")
            // Windows of a few frames put most of a frame's energy where the Hann window is
            // near 0, so those frames are computed directly; at real sizes none are.
            if c.window >= 64 { #expect(direct == 0, "frames \(c.frames), window \(c.window): \(direct) frames computed directly") }
        }
    }

    @Test func aQuietPassageAfterALoudOneStaysWithinTheBound() throws {
        // 60 dB of envelope between the halves, and a stretch of digital silence: the sums
        // restart or frames are computed directly, and every value stays within the bound.
        var envelope = Self.envelope(seed: 41, frames: 4000)
        for i in 0..<2000 { envelope[i] *= 1000 }
        for i in 3000..<3300 { envelope[i] = 0 }
        let (worst, bound, direct) = Self.worstDifference(envelope, window: 344)
        #expect(worst <= bound && bound < 2e-9, "largest difference \(worst), bound \(bound)")
        #expect(direct < 400, "\(direct) of 4000 frames computed directly")
        // Values below Float's normal range, negative values: the same agreement.
        let tiny = Self.envelope(seed: 7, frames: 300).map { $0 * 1e-30 }
        let tinyResult = Self.worstDifference(tiny, window: 344)
        #expect(tinyResult.difference <= tinyResult.bound)
        let signed = Self.envelope(seed: 8, frames: 500).enumerated().map { $0.offset % 3 == 0 ? -$0.element : $0.element }
        #expect(Self.worstDifference(signed, window: 344).difference < 1e-12)
    }

    @Test func theChosenLagIsTheDoubleComputations() throws {
        let window = 344
        let bpms = [Double.infinity] + (1..<window).map { 60.0 * 22050 / (512 * Double($0)) }
        let priors = (0..<window).map { lag -> Double in
            guard lag > 0 && bpms[lag] < 320 else { return -.infinity }
            let octaves = log2(bpms[lag]) - log2(120)
            return -0.5 * octaves * octaves
        }
        for seed in 0..<30 {
            let envelope = Self.envelope(seed: UInt64(1000 + seed), frames: 200)
            let estimate = try TempoEstimator.estimate(onsetEnvelope: envelope)
            let exact = TempoEstimator.meanTempogram(envelope.map(Double.init), window: window)
            let lag = try #require(TempoEstimator.argmax(exact, logPriors: priors, error: 0))
            #expect(estimate.lag == lag, "seed \(seed)")
            #expect(abs(estimate.periodicity - exact[lag]) <= 2e-9)
        }
    }

    @Test func tinyValuesGiveTheSameTempo() throws {
        let envelope = Self.envelope(seed: 7, frames: 200).map { $0 * 1e-22 }
        let scaled = try TempoEstimator.estimate(onsetEnvelope: envelope)
        let plain = try TempoEstimator.estimate(onsetEnvelope: Self.envelope(seed: 7, frames: 200))
        #expect(scaled.lag == plain.lag)
    }

    @Test func aCloseCallFallsBackToDouble() {
        // Two allowed lags whose scores differ by less than the error bound can swap.
        var tempogram = [Double](repeating: 0.01, count: 10)
        tempogram[4] = 0.300_000_0
        tempogram[5] = 0.300_000_1
        let priors = [-Double.infinity] + [Double](repeating: 0, count: 9)
        #expect(TempoEstimator.argmax(tempogram, logPriors: priors, error: 1e-4) == nil)
        #expect(TempoEstimator.argmax(tempogram, logPriors: priors, error: 0) == 5)
        tempogram[5] = 0.2
        #expect(TempoEstimator.argmax(tempogram, logPriors: priors, error: 1e-4) == 4)
    }
}
