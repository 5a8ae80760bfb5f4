import Foundation
import Testing
@testable import MusicIndex

@Suite struct FeaturesBeatTests {
    /// BPM of a beat period in frames at 22050 Hz / hop 512.
    static func bpm(period: Double) -> Double { 60.0 * 22050.0 / (512.0 * period) }

    static func envelope(_ name: String) throws -> [Float] {
        try FeaturesFixtures.floats("\(name).onset_env_median.f32")
    }

    @Test(arguments: ["click120", "music"])
    func beatsMatchLibrosa(name: String) throws {
        let tracking = try BeatTracker.track(onsetEnvelope: try Self.envelope(name))
        let beats = FeaturesFixtures.numbers(try FeaturesFixtures.scalar(name, "beats")).map { Int($0) }
        let tempo = try #require(try FeaturesFixtures.scalar(name, "tempo")?.double)
        #expect(tracking.frames == beats)
        #expect(abs(tracking.bpm - tempo) < 1e-9)
        #expect(tracking.estimate?.bpm == tracking.bpm)
        let times = FeaturesFixtures.numbers(try FeaturesFixtures.scalar(name, "beat_times_s"))
        #expect(zip(tracking.times, times).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func refinedTempoOfTheClickTrackIs120() throws {
        let envelope = try Self.envelope("click120")
        let rhythm = try RhythmDescriptors(onsetEnvelope: envelope)
        #expect(abs(rhythm.librosaTempo - 117.45383522727273) < 1e-9)
        let tempo = try #require(rhythm.tempo)
        #expect(abs(tempo - 120) < 1, "refined tempo \(tempo)")
        #expect(rhythm.beatStrength > 0.8)
        #expect(try #require(rhythm.beatIntervalVariation) < 0.03)
        #expect(rhythm.periodicity > 0.5 && rhythm.periodicity <= 1)
        // librosa.onset.onset_detect on the same envelope (librosa 0.11.0): every click but the one at 0 s.
        #expect(rhythm.onsetFrames == [22, 44, 65, 87, 108, 130, 151, 173, 194, 216, 237, 259, 281, 302, 324])
        let seconds: Double = 345 * 512 / 22050
        #expect(abs(rhythm.onsetRate - 15 / seconds) < 1e-12)
        #expect(abs(rhythm.onsetRate - 2) < 0.15)
    }

    @Test func refinedTempoOfMusic() throws {
        let rhythm = try RhythmDescriptors(onsetEnvelope: try Self.envelope("music"))
        // Beats 17 frames apart: the refined tempo equals librosa's lag-17 tempo.
        let tempo = try #require(rhythm.tempo)
        #expect(abs(tempo - Self.bpm(period: 17)) < 1e-9)
        #expect(rhythm.beatIntervalVariation == 0)
        // librosa.onset.onset_detect(onset_envelope=music.onset_env_median) (librosa 0.11.0).
        #expect(rhythm.onsetFrames == [3, 11, 19, 28, 36, 45, 54, 62, 70, 79, 88, 96, 105, 114, 122])
        // librosa.onset.onset_detect(onset_envelope=music.onset_env), the mean-aggregated envelope.
        let mean = try FeaturesFixtures.floats("music.onset_env.f32")
        #expect(try OnsetDetector.onsets(onsetEnvelope: mean) == [3, 10, 19, 27, 36, 45, 53, 61, 70, 79, 87, 96, 104, 114, 122])
    }

    @Test(arguments: [20, 24, 30, 40])
    func impulseTrainGivesItsExactTempo(period: Int) throws {
        var envelope = [Float](repeating: 0, count: 600)
        for frame in stride(from: 7, to: envelope.count, by: period) { envelope[frame] = 1 }
        let exact = Self.bpm(period: Double(period))
        let tracking = try BeatTracker.track(onsetEnvelope: envelope)
        #expect(tracking.bpm == exact)
        #expect(tracking.estimate?.lag == period)
        // Every impulse is a beat but the last: librosa (and so this port) puts the final
        // beat a few frames early, where the cumulative score's last local maximum lies.
        let beats = tracking.frames
        let grid = Array(stride(from: 7, to: envelope.count, by: period))
        #expect(beats.count == grid.count)
        #expect(Array(beats.dropLast()) == Array(grid.dropLast()))
        #expect(abs(beats.last! - grid.last!) < period / 4)
        let statistics = try BeatStatistics(tracking, onsetEnvelope: envelope)
        #expect(try #require(statistics.tempo) == exact)
        #expect(statistics.beatStrength > 0.9)
        #expect(try OnsetDetector.onsets(onsetEnvelope: envelope) == grid)
    }

    @Test func fastImpulseTrainIsCountedAtHalfTempo() throws {
        // 184.6 BPM impulses: the log-normal prior around 120 BPM prefers the 92.3 BPM octave.
        var envelope = [Float](repeating: 0, count: 600)
        for frame in stride(from: 7, to: envelope.count, by: 14) { envelope[frame] = 1 }
        let tracking = try BeatTracker.track(onsetEnvelope: envelope)
        #expect(tracking.bpm == Self.bpm(period: 28))
        #expect(try #require(try BeatStatistics(tracking, onsetEnvelope: envelope).tempo) == Self.bpm(period: 28))
    }

    @Test func offGridClicksGiveTheTrueTempo() throws {
        // Clicks every 21.533 frames (120 BPM at 22050 Hz / hop 512), rounded to whole frames.
        let period = 22050.0 / 512 * 0.5
        var envelope = [Float](repeating: 0.05, count: 2600)
        for k in 0..<Int(2600 / period) { envelope[Int((3 + Double(k) * period).rounded())] = 2 }
        let rhythm = try RhythmDescriptors(onsetEnvelope: envelope)
        #expect(abs(rhythm.librosaTempo - 117.45383522727273) < 1e-9)
        #expect(abs(try #require(rhythm.tempo) - 120) < 0.1, "refined \(rhythm.tempo ?? 0)")
        #expect(abs(rhythm.onsetRate - 2) < 0.05)
    }

    @Test func silenceHasNoBeats() throws {
        let zeros = [Float](repeating: 0, count: 400)
        let rhythm = try RhythmDescriptors(onsetEnvelope: zeros)
        #expect(rhythm.librosaTempo == 0 && rhythm.tempo == nil)
        #expect(rhythm.beatFrames.isEmpty && rhythm.onsetFrames.isEmpty)
        #expect(rhythm.beatStrength == 0 && rhythm.beatIntervalVariation == nil)
        #expect(rhythm.onsetRate == 0 && rhythm.periodicity == 0)
        let empty = try RhythmDescriptors(onsetEnvelope: [])
        #expect(empty.beatFrames.isEmpty && empty.onsetRate == 0)
        // A constant envelope has no onsets either.
        #expect(try OnsetDetector.onsets(onsetEnvelope: [Float](repeating: 3, count: 100)).isEmpty)
    }

    @Test func givenTempoSkipsTheEstimate() throws {
        let tracking = try BeatTracker.track(onsetEnvelope: try Self.envelope("click120"), bpm: 120)
        #expect(tracking.estimate == nil)
        #expect(tracking.bpm == 120)
        #expect(tracking.frames.count == 15)
    }

    @Test func beatStatisticsFormulas() throws {
        // A skipped beat (40 → 60 is two periods) keeps the period at 10 frames.
        var envelope = [Float](repeating: 1, count: 100)
        for frame in [10, 20, 30, 40, 60, 70] { envelope[frame] = 4 }
        let statistics = try BeatStatistics(beatFrames: [10, 20, 30, 40, 60, 70], onsetEnvelope: envelope)
        let tempo = try #require(statistics.tempo)
        #expect(abs(tempo - Self.bpm(period: 10)) < 1e-9)
        // Beats at 4, mean 1.18: 1 - 1.18 / 4.
        let expected: Double = 1 - 1.18 / 4
        #expect(abs(statistics.beatStrength - expected) < 1e-12)
        let intervals: [Double] = [10, 10, 10, 20, 10], mean: Double = 12
        let squares: [Double] = intervals.map { ($0 - mean) * ($0 - mean) }
        let std = (squares.reduce(0, +) / 5).squareRoot()
        #expect(abs(try #require(statistics.intervalVariation) - std / mean) < 1e-12)
        let two = try BeatStatistics(beatFrames: [5, 25], onsetEnvelope: envelope)
        #expect(two.intervalVariation == nil && two.tempo != nil)
        #expect(try BeatStatistics(beatFrames: [5], onsetEnvelope: envelope).tempo == nil)
        // Beats weaker than average give 0, not a negative strength.
        #expect(try BeatStatistics(beatFrames: [1, 2], onsetEnvelope: envelope).beatStrength == 0)
    }

    @Test func peakPickerFollowsLibrosa() throws {
        // librosa.util.peak_pick (librosa 0.11.0) on the same arrays and parameters.
        let x: [Double] = [0, 1, 0, 2, 2, 0, 3, 0, 0, 1]
        #expect(try PeakPicker.peaks(x, preMax: 1, postMax: 1, preAvg: 1, postAvg: 1, delta: 0, wait: 0) == [0, 1, 3, 4, 6, 8, 9])
        #expect(try PeakPicker.peaks(x, preMax: 1, postMax: 1, preAvg: 1, postAvg: 1, delta: 0, wait: 1) == [0, 3, 6, 8])
        let y: [Double] = [0, 1, 0, 2, 2, 0, 3, 0, 0.5, 1]
        #expect(try PeakPicker.peaks(y, preMax: 2, postMax: 2, preAvg: 2, postAvg: 2, delta: 0.1, wait: 0) == [1, 3, 4, 6, 9])
        #expect(try PeakPicker.peaks([5, 1, 1], preMax: 1, postMax: 2, preAvg: 1, postAvg: 2, delta: 0.5, wait: 1) == [0])
        #expect(try PeakPicker.peaks([], preMax: 1, postMax: 1, preAvg: 1, postAvg: 1, delta: 0, wait: 0) == [])
        #expect(OnsetDetector.pythonFloorDivide(0.03 * 22050, 512) == 1)
        #expect(OnsetDetector.pythonFloorDivide(0.10 * 22050, 512) == 4)
        #expect(OnsetDetector.pythonFloorDivide(0.10 * 44100, 256) == 17)
    }

    @Test func invalidParametersAreRejected() throws {
        let envelope = try Self.envelope("music")
        #expect(throws: MusicIndexError.self) { try BeatTracker.track(onsetEnvelope: envelope, tightness: 0) }
        #expect(throws: MusicIndexError.self) { try BeatTracker.track(onsetEnvelope: envelope, hopLength: 0) }
        #expect(throws: MusicIndexError.self) { try BeatTracker.track(onsetEnvelope: envelope, sampleRate: -1) }
        #expect(throws: MusicIndexError.self) { try BeatTracker.track(onsetEnvelope: envelope, bpm: -120) }
        #expect(throws: MusicIndexError.self) { try BeatTracker.track(onsetEnvelope: [1, .nan, 2]) }
        #expect(throws: MusicIndexError.self) { try TempoEstimator.estimate(onsetEnvelope: envelope, startBPM: 0) }
        #expect(throws: MusicIndexError.self) { try TempoEstimator.estimate(onsetEnvelope: envelope, acSize: 0.01) }
        #expect(throws: MusicIndexError.self) { try PeakPicker.peaks([1], preMax: 1, postMax: 0, preAvg: 1, postAvg: 1, delta: 0, wait: 0) }
        #expect(throws: MusicIndexError.self) { try PeakPicker.peaks([1], preMax: 1, postMax: 1, preAvg: 1, postAvg: 1, delta: -1, wait: 0) }
        #expect(throws: MusicIndexError.self) { try BeatStatistics(beatFrames: [3, 2], onsetEnvelope: envelope) }
        #expect(throws: MusicIndexError.self) { try BeatStatistics(beatFrames: [500], onsetEnvelope: envelope) }
        #expect(throws: MusicIndexError.self) { try OnsetDetector.rate(onsetEnvelope: envelope, hopLength: -2) }
    }
}
