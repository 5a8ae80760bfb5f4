import Foundation
import Testing
@testable import MusicIndex

@Suite struct FeaturesScoreTests {
    /// A middle-of-the-road pop track.
    static let typical = ScoreInputs(
        integratedLoudness: -11, loudnessRange: 6, spectralCentroid: 2200, spectralFlatness: 0.02,
        zeroCrossingRateMean: 0.06, zeroCrossingRateStd: 0.03, mfccVariability: 9, onsetRate: 3.5,
        tempo: 118, beatStrength: 0.6, beatIntervalVariation: 0.03, periodicity: 0.5)

    static func scores(_ inputs: ScoreInputs) throws -> PerceptualScores {
        try #require(try PerceptualScores.compute(inputs))
    }

    static func scores(_ change: (inout ScoreInputs) -> Void) throws -> PerceptualScores {
        var inputs = typical
        change(&inputs)
        return try scores(inputs)
    }

    static func inRange(_ s: PerceptualScores) -> Bool {
        [s.energy, s.danceability, s.acousticness, s.instrumentalness].allSatisfy { (0...1).contains($0) }
    }

    @Test func extremeInputsStayInRange() throws {
        let low = ScoreInputs(integratedLoudness: -70, loudnessRange: 0, spectralCentroid: 0, spectralFlatness: 0,
                              zeroCrossingRateMean: 0, zeroCrossingRateStd: 0, mfccVariability: 0, onsetRate: 0,
                              tempo: 1, beatStrength: 0, beatIntervalVariation: 0, periodicity: 0)
        let high = ScoreInputs(integratedLoudness: 20, loudnessRange: 80, spectralCentroid: 24000, spectralFlatness: 1,
                               zeroCrossingRateMean: 1, zeroCrossingRateStd: 10, mfccVariability: 500, onsetRate: 1000,
                               tempo: 10000, beatStrength: 1, beatIntervalVariation: 100, periodicity: 1)
        for inputs in [low, high, Self.typical] { #expect(Self.inRange(try Self.scores(inputs))) }
        let quietest = try Self.scores(low), loudest = try Self.scores(high)
        #expect(quietest.energy < 0.05 && loudest.energy > 0.95)
        #expect(quietest.danceability == 0)
        #expect(quietest.acousticness > 0.75 && loudest.acousticness < 0.25)
        #expect(quietest.instrumentalness > 0.95 && loudest.instrumentalness < 0.05)
        // Random inputs across the valid ranges.
        var seed: UInt64 = 42
        func random() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        for _ in 0..<2000 {
            let inputs = ScoreInputs(
                integratedLoudness: -70 + 75 * random(), loudnessRange: random() < 0.2 ? nil : 30 * random(),
                spectralCentroid: 11025 * random(), spectralFlatness: random(), zeroCrossingRateMean: random(),
                zeroCrossingRateStd: random(), mfccVariability: 40 * random(), onsetRate: 20 * random(),
                tempo: random() < 0.2 ? nil : 20 + 300 * random(), beatStrength: random(),
                beatIntervalVariation: random() < 0.2 ? nil : random(), periodicity: random())
            #expect(Self.inRange(try Self.scores(inputs)))
        }
    }

    @Test func silenceHasNoScores() throws {
        var silent = Self.typical
        silent.integratedLoudness = nil
        #expect(try PerceptualScores.compute(silent) == nil)
    }

    @Test func energyRisesWithLoudnessOnsetsAndBrightness() throws {
        let base = try Self.scores(Self.typical).energy
        #expect(try Self.scores { $0.integratedLoudness = -6 }.energy > base)
        #expect(try Self.scores { $0.integratedLoudness = -20 }.energy < base)
        #expect(try Self.scores { $0.onsetRate = 6 }.energy > base)
        #expect(try Self.scores { $0.spectralCentroid = 3500 }.energy > base)
        #expect(try Self.scores { $0.spectralFlatness = 0.1 }.energy > base)
        var previous = -1.0
        for lufs in stride(from: -40.0, through: 0, by: 2) {
            let energy = try Self.scores { $0.integratedLoudness = lufs }.energy
            #expect(energy > previous)
            previous = energy
        }
    }

    @Test func danceabilityPeaksForMidTemposAndStrongRegularPulse() throws {
        let base = try Self.scores(Self.typical).danceability
        #expect(try Self.scores { $0.beatStrength = 0.9 }.danceability > base)
        #expect(try Self.scores { $0.periodicity = 0.9 }.danceability > base)
        #expect(try Self.scores { $0.beatIntervalVariation = 0.15 }.danceability < base)
        #expect(try Self.scores { $0.beatIntervalVariation = nil }.danceability < base)
        // Flat between 90 and 130 BPM, lower outside, lower still further out.
        let plateau = try [90.0, 100, 118, 130].map { bpm in try Self.scores { $0.tempo = bpm }.danceability }
        #expect(plateau.allSatisfy { abs($0 - base) < 1e-12 })
        let slow = try Self.scores { $0.tempo = 70 }.danceability, slower = try Self.scores { $0.tempo = 50 }.danceability
        let fast = try Self.scores { $0.tempo = 160 }.danceability, faster = try Self.scores { $0.tempo = 200 }.danceability
        #expect(base > slow && slow > slower && base > fast && fast > faster)
        #expect(try Self.scores { $0.tempo = nil }.danceability < slower)
        // No pulse, no dance, whatever the tempo.
        #expect(try Self.scores { $0.beatStrength = 0; $0.periodicity = 0 }.danceability == 0)
        #expect(try Self.scores { $0.beatStrength = 1; $0.periodicity = 1; $0.beatIntervalVariation = 0 }.danceability == 1)
    }

    @Test func acousticnessFallsWithBrightnessNoiseAndLoudness() throws {
        let base = try Self.scores(Self.typical).acousticness
        #expect(try Self.scores { $0.spectralCentroid = 1200 }.acousticness > base)
        #expect(try Self.scores { $0.spectralFlatness = 0.002 }.acousticness > base)
        #expect(try Self.scores { $0.integratedLoudness = -20 }.acousticness > base)
        #expect(try Self.scores { $0.loudnessRange = 14 }.acousticness > base)
        #expect(try Self.scores { $0.spectralCentroid = 3500 }.acousticness < base)
        // A quiet, dark, tonal, dynamic recording (a string quartet) against a loud bright master.
        let quartet = try Self.scores {
            $0.integratedLoudness = -23; $0.loudnessRange = 15; $0.spectralCentroid = 1100; $0.spectralFlatness = 0.002
        }
        let master = try Self.scores {
            $0.integratedLoudness = -6; $0.loudnessRange = 3; $0.spectralCentroid = 3500; $0.spectralFlatness = 0.1
        }
        #expect(quartet.acousticness > 0.8 && master.acousticness < 0.2)
        #expect(quartet.energy < 0.3 && master.energy > 0.7)
    }

    @Test func instrumentalnessFallsWithTimbreFluctuation() throws {
        let base = try Self.scores(Self.typical).instrumentalness
        #expect(try Self.scores { $0.mfccVariability = 15 }.instrumentalness < base)
        #expect(try Self.scores { $0.zeroCrossingRateStd = 0.06 }.instrumentalness < base)
        #expect(try Self.scores { $0.mfccVariability = 4; $0.zeroCrossingRateStd = 0.01 }.instrumentalness > 0.8)
        // A zero mean zero-crossing rate (DC or silence in every frame) counts as steady.
        #expect(try Self.scores { $0.zeroCrossingRateMean = 0; $0.zeroCrossingRateStd = 0 }.instrumentalness > base)
    }

    @Test func tempoSuitabilityIsAGaussianInOctaves() {
        #expect(PerceptualScores.tempoSuitability(110) == 1)
        #expect(abs(PerceptualScores.tempoSuitability(45) - exp(-0.5 / (0.35 * 0.35))) < 1e-12)
        #expect(abs(PerceptualScores.tempoSuitability(260) - exp(-0.5 / (0.35 * 0.35))) < 1e-12)
    }

    @Test func invalidInputsAreRejected() {
        let changes: [(inout ScoreInputs) -> Void] = [
            { $0.integratedLoudness = .nan }, { $0.integratedLoudness = -.infinity }, { $0.loudnessRange = -1 },
            { $0.spectralCentroid = -5 }, { $0.spectralFlatness = 1.5 }, { $0.zeroCrossingRateMean = 2 },
            { $0.zeroCrossingRateStd = -0.1 }, { $0.mfccVariability = .infinity }, { $0.onsetRate = -1 },
            { $0.tempo = 0 }, { $0.beatStrength = 1.1 }, { $0.beatIntervalVariation = -0.1 }, { $0.periodicity = .nan },
        ]
        for change in changes {
            var inputs = Self.typical
            change(&inputs)
            #expect(throws: MusicIndexError.self) { try PerceptualScores.compute(inputs) }
        }
    }
}
