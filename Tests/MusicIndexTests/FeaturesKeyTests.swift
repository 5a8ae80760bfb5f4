import Foundation
import Testing
@testable import MusicIndex

@Suite struct FeaturesKeyTests {
    /// A chroma vector with the given pitch classes set to their weights.
    static func chroma(_ weights: [Int: Double], floor: Double = 0) -> [Double] {
        (0..<12).map { weights[$0] ?? floor }
    }

    static func rotated(_ chroma: [Double], by steps: Int) -> [Double] {
        (0..<12).map { chroma[($0 - steps + 12) % 12] }
    }

    @Test func cMajorTriadAndScale() throws {
        let triad = try #require(try KeyEstimator.estimate(chroma: Self.chroma([0: 1, 4: 1, 7: 1])))
        #expect(triad.name == "C major")
        #expect(triad.tonic == 0 && triad.mode == .major)
        #expect(triad.confidence == triad.correlation)
        let scale = try #require(try KeyEstimator.estimate(chroma: Self.chroma([0: 1, 2: 1, 4: 1, 5: 1, 7: 1, 9: 1, 11: 1])))
        #expect(scale.name == "C major")
        // Its relative minor shares every note: a small margin.
        #expect(scale.margin < 0.2)
    }

    @Test func aMinorTriadWeighted() throws {
        // A strongest, then E and C, a little of the other A-minor scale notes.
        let chroma = Self.chroma([9: 1.0, 4: 0.7, 0: 0.6, 2: 0.2, 5: 0.2, 7: 0.2, 11: 0.2], floor: 0.05)
        let key = try #require(try KeyEstimator.estimate(chroma: chroma))
        #expect(key.name == "A minor")
        #expect(key.tonicName == "A" && key.mode == .minor)
        #expect(key.correlation > 0.8)
        #expect(key.confidence > 0.7)
    }

    @Test func rotatingTheChromaRotatesTheKey() throws {
        let major = Self.chroma([0: 1, 4: 0.8, 7: 0.9, 2: 0.3, 5: 0.3, 9: 0.3, 11: 0.3], floor: 0.05)
        let minor = Self.chroma([0: 1, 3: 0.8, 7: 0.9, 2: 0.3, 5: 0.3, 8: 0.3, 10: 0.3], floor: 0.05)
        let majorKey = try #require(try KeyEstimator.estimate(chroma: major))
        let minorKey = try #require(try KeyEstimator.estimate(chroma: minor))
        #expect(majorKey.name == "C major" && minorKey.name == "C minor")
        for steps in 0..<12 {
            let up = try #require(try KeyEstimator.estimate(chroma: Self.rotated(major, by: steps)))
            #expect(up.tonic == steps && up.mode == .major)
            #expect(abs(up.correlation - majorKey.correlation) < 1e-12)
            #expect(abs(up.confidence - majorKey.confidence) < 1e-12)
            let down = try #require(try KeyEstimator.estimate(chroma: Self.rotated(minor, by: steps)))
            #expect(down.tonic == steps && down.mode == .minor)
            #expect(down.tonicName == KeyEstimate.pitchClassNames[steps])
            #expect(abs(down.margin - minorKey.margin) < 1e-12)
        }
    }

    @Test func flatChromaHasNoKeyOrLowConfidence() throws {
        #expect(try KeyEstimator.estimate(chroma: [Double](repeating: 0.5, count: 12)) == nil)
        #expect(try KeyEstimator.estimate(chroma: [Double](repeating: 0, count: 12)) == nil)
        // Nearly flat: the correlation may be high by chance, the confidence stays low.
        let nearlyFlat = (0..<12).map { 1.0 + 0.01 * sin(Double($0) * 2.3) }
        let key = try #require(try KeyEstimator.estimate(chroma: nearlyFlat))
        #expect(key.confidence < 0.03)
        // Scaling the chroma changes nothing.
        let chroma = Self.chroma([2: 1, 6: 0.6, 9: 0.8], floor: 0.1)
        let a = try #require(try KeyEstimator.estimate(chroma: chroma))
        let b = try #require(try KeyEstimator.estimate(chroma: chroma.map { $0 * 37 }))
        #expect(a.name == "D major" && a.name == b.name)
        #expect(abs(a.confidence - b.confidence) < 1e-12)
    }

    @Test func profilesCorrelatePerfectlyWithThemselves() throws {
        for tonic in 0..<12 {
            let major = try #require(try KeyEstimator.estimate(chroma: Self.rotated(KeyEstimator.majorProfile, by: tonic)))
            #expect(major.tonic == tonic && major.mode == .major && abs(major.correlation - 1) < 1e-12)
            let minor = try #require(try KeyEstimator.estimate(chroma: Self.rotated(KeyEstimator.minorProfile, by: tonic)))
            #expect(minor.tonic == tonic && minor.mode == .minor && abs(minor.correlation - 1) < 1e-12)
        }
    }

    @Test func chromagramIsAveragedOverFrames() throws {
        // [12, 2]: C in the first frame, E and G in the second.
        var chromagram = [Float](repeating: 0, count: 24)
        chromagram[0 * 2 + 0] = 1; chromagram[4 * 2 + 1] = 1; chromagram[7 * 2 + 1] = 1
        #expect(try KeyEstimator.meanChroma(chromagram, frames: 2) == Self.chroma([0: 0.5, 4: 0.5, 7: 0.5]))
        #expect(try KeyEstimator.estimate(chromagram: chromagram, frames: 2)?.name == "C major")
        // The fixture's chroma of real music has a key with some confidence.
        let music = try FeaturesFixtures.floats("music.chroma_stft.f32")
        let key = try #require(try KeyEstimator.estimate(chromagram: music, frames: 130))
        #expect(key.confidence > 0 && key.confidence <= 1)
    }

    @Test func invalidChromaIsRejected() {
        #expect(throws: MusicIndexError.self) { try KeyEstimator.estimate(chroma: [1, 2, 3]) }
        #expect(throws: MusicIndexError.self) { try KeyEstimator.estimate(chroma: [Double](repeating: 1, count: 11) + [-1]) }
        #expect(throws: MusicIndexError.self) { try KeyEstimator.estimate(chroma: [Double](repeating: 1, count: 11) + [.nan]) }
        #expect(throws: MusicIndexError.self) { try KeyEstimator.meanChroma([1, 2], frames: 1) }
        #expect(throws: MusicIndexError.self) { try KeyEstimator.meanChroma([], frames: 0) }
    }
}
