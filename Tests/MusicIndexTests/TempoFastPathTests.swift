import Foundation
import Testing
@testable import MusicIndex

/// The tempo estimator's Float tempogram against the Double one it stands in for: values within
/// the stated bound, and the chosen tempo always the Double computation's.
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

    @Test func floatTempogramIsWithinItsBound() throws {
        var worst = 0.0
        for seed in 0..<6 {
            let envelope = Self.envelope(seed: UInt64(seed), frames: 200 + 37 * seed)
            let fast = try #require(TempoEstimator.meanTempogramFloat(envelope, window: 344))
            let exact = TempoEstimator.meanTempogram(envelope.map(Double.init), window: 344)
            for (a, b) in zip(fast, exact) { worst = max(worst, abs(a - b)) }
        }
        // The bound the estimator assumes is 1e-4; the real error is far below it.
        #expect(worst < TempoEstimator.floatTempogramError / 100, "largest difference \(worst)")
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
            #expect(abs(estimate.periodicity - exact[lag]) < 1e-6)
        }
    }

    @Test func valuesTooSmallForFloatTakeTheDoublePath() throws {
        let envelope = Self.envelope(seed: 7, frames: 200).map { $0 * 1e-22 }
        #expect(TempoEstimator.meanTempogramFloat(envelope, window: 344) == nil)
        let scaled = try TempoEstimator.estimate(onsetEnvelope: envelope)
        let plain = try TempoEstimator.estimate(onsetEnvelope: Self.envelope(seed: 7, frames: 200))
        #expect(scaled.lag == plain.lag)
    }

    @Test func aCloseCallFallsBackToDouble() {
        // Two allowed lags whose scores differ by less than the Float error can separate.
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
