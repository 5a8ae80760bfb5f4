import Foundation
import CKernels
import Testing
@testable import MusicIndex

@Suite struct FeaturesLoudnessTests {
    /// A sine of `frequency` Hz, `seconds` long, amplitude 1, mono.
    static func sine(_ frequency: Double, seconds: Double, sampleRate: Int) -> [Float] {
        (0..<Int(seconds * Double(sampleRate))).map { Float(sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
    }

    /// The manifest's K-weighting coefficients for a signal.
    static func manifestFilter(_ name: String, _ stage: String) throws -> (b: [Double], a: [Double]) {
        guard case .object(let filters)? = try FeaturesFixtures.signal(name)["k_weighting_filters"],
              case .object(let section)? = filters[stage] else { throw MusicIndexError.invalidArgument("no filter \(stage)") }
        return (FeaturesFixtures.numbers(section["b"]), FeaturesFixtures.numbers(section["a"]))
    }

    @Test(arguments: [("tone_lufs", 48000.0), ("music_lufs", 44100.0)])
    func kWeightingMatchesPyloudnorm(name: String, rate: Double) throws {
        let filters = try KWeighting.filters(sampleRate: rate)
        for (stage, biquad) in [("high_shelf", filters.highShelf), ("high_pass", filters.highPass)] {
            let reference = try Self.manifestFilter(name, stage)
            #expect(reference.b.count == 3 && reference.a.count == 3)
            for (mine, theirs) in zip(biquad.b + biquad.a, reference.b + reference.a) {
                #expect(abs(mine - theirs) < 1e-12, "\(name) \(stage): \(mine) vs \(theirs)")
            }
        }
    }

    @Test func toneIsMinus23LUFS() throws {
        let samples = try FeaturesFixtures.floats("tone_lufs.input.f32")
        let measurement = try LoudnessMeter.measure(interleaved: samples, sampleRate: 48000, channels: 2)
        let reference = try #require(try FeaturesFixtures.scalar("tone_lufs", "lufs")?.double)
        let lufs = try #require(measurement.integrated)
        #expect(abs(lufs - reference) < 1e-6, "tone: \(lufs) LUFS, pyloudnorm \(reference)")
        #expect(abs(lufs - -23.0) < 0.01)
        let blocks = try FeaturesFixtures.floats("tone_lufs.block_loudness.f32")
        #expect(measurement.blockLoudness.count == blocks.count)
        for (mine, theirs) in zip(measurement.blockLoudness, blocks) {
            #expect(abs(mine - Double(theirs)) < 1e-4)
        }
    }

    @Test func musicMatchesPyloudnorm() throws {
        let samples = try FeaturesFixtures.floats("music_lufs.input.f32")
        let measurement = try LoudnessMeter.measure(interleaved: samples, sampleRate: 44100, channels: 2)
        let reference = try #require(try FeaturesFixtures.scalar("music_lufs", "lufs")?.double)
        let lufs = try #require(measurement.integrated)
        #expect(abs(lufs - reference) < 1e-6, "music: \(lufs) LUFS, pyloudnorm \(reference)")
        let blocks = try FeaturesFixtures.floats("music_lufs.block_loudness.f32")
        #expect(measurement.blockLoudness.count == blocks.count)
        for (mine, theirs) in zip(measurement.blockLoudness, blocks) {
            #expect(abs(mine - Double(theirs)) < 1e-4)
        }
        #expect(measurement.frames == 176400)
        #expect(abs(measurement.duration - 4.0) < 1e-12)
    }

    @Test func chunkedFeedingEqualsOneShot() throws {
        let samples = try FeaturesFixtures.floats("music_lufs.input.f32")
        let whole = try LoudnessMeter.measure(interleaved: samples, sampleRate: 44100, channels: 2)
        var meter = try LoudnessMeter(sampleRate: 44100, channels: 2)
        var start = 0, size = 1
        while start < samples.count {
            let end = min(samples.count, start + 2 * size)
            try meter.process(Array(samples[start..<end]))
            start = end
            size = size * 3 % 9973 + 1
        }
        let chunked = meter.measurement()
        #expect(abs(try #require(chunked.integrated) - (try #require(whole.integrated))) < 1e-9)
        #expect(chunked.blockLoudness.count == whole.blockLoudness.count)
        for (a, b) in zip(chunked.blockLoudness, whole.blockLoudness) { #expect(abs(a - b) < 1e-9) }
        #expect(chunked.shortTermLoudness.count == whole.shortTermLoudness.count)
    }

    @Test func silenceHasNoLoudness() throws {
        let measurement = try LoudnessMeter.measure(interleaved: [Float](repeating: 0, count: 2 * 48000 * 4), sampleRate: 48000, channels: 2)
        #expect(measurement.integrated == nil)
        #expect(measurement.range == nil)
        #expect(measurement.blockLoudness.count == 37)
        #expect(measurement.blockLoudness.allSatisfy { $0 == -.infinity })
        #expect(measurement.shortTermLoudness.count == 11)
        // Near silence, every block under the -70 LUFS absolute gate, is no loudness either.
        let faint = Self.sine(1000, seconds: 2, sampleRate: 48000).map { $0 * 1e-4 }
        #expect(try LoudnessMeter.measure(interleaved: faint, sampleRate: 48000, channels: 1).integrated == nil)
    }

    @Test func shorterThanOneBlockHasNoLoudness() throws {
        let rate = 44100
        let tone = Self.sine(1000, seconds: 1, sampleRate: rate).map { $0 * 0.1 }
        let short = try LoudnessMeter.measure(interleaved: Array(tone.prefix(17639)), sampleRate: rate, channels: 1)
        #expect(short.integrated == nil)
        #expect(short.blockLoudness.isEmpty)
        #expect(short.range == nil)
        let oneBlock = try LoudnessMeter.measure(interleaved: Array(tone.prefix(17640)), sampleRate: rate, channels: 1)
        #expect(oneBlock.blockLoudness.count == 1)
        #expect(oneBlock.integrated != nil)
        #expect(oneBlock.range == nil)
        #expect(try LoudnessMeter.measure(interleaved: [], sampleRate: rate, channels: 1).integrated == nil)
    }

    @Test func stereoIsThreeDecibelsAboveMono() throws {
        let mono = Self.sine(997, seconds: 3, sampleRate: 44100).map { $0 * 0.25 }
        let stereo = mono.flatMap { [$0, $0] }
        let one = try #require(try LoudnessMeter.measure(interleaved: mono, sampleRate: 44100, channels: 1).integrated)
        let two = try #require(try LoudnessMeter.measure(interleaved: stereo, sampleRate: 44100, channels: 2).integrated)
        #expect(abs(two - one - 10 * log10(2.0)) < 1e-9)
        // Surround channels weigh 1.41; the 5.1 LFE weighs nothing.
        let surround = mono.flatMap { [0, 0, 0, 0, $0] as [Float] }
        let rs = try #require(try LoudnessMeter.measure(interleaved: surround, sampleRate: 44100, channels: 5).integrated)
        #expect(abs(rs - one - 10 * log10(1.41)) < 1e-9)
        let lfe = mono.flatMap { [0, 0, 0, $0, 0, 0] as [Float] }
        #expect(try LoudnessMeter.measure(interleaved: lfe, sampleRate: 44100, channels: 6).integrated == nil)
    }

    /// A 1 kHz mono tone at 48 kHz scaled to `lufs`.
    static func tone(lufs: Double, seconds: Double) throws -> [Float] {
        let unit = sine(1000, seconds: seconds, sampleRate: 48000)
        let l0 = try #require(try LoudnessMeter.measure(interleaved: unit, sampleRate: 48000, channels: 1).integrated)
        let gain = Float(pow(10, (lufs - l0) / 20))
        return unit.map { $0 * gain }
    }

    @Test func loudnessRangeOfTwoLevelsIsTheirDifference() throws {
        let signal = try Self.tone(lufs: -30, seconds: 10) + Self.tone(lufs: -20, seconds: 10)
        let measurement = try LoudnessMeter.measure(interleaved: signal, sampleRate: 48000, channels: 1)
        let range = try #require(measurement.range)
        #expect(abs(range - 10) < 0.05, "LRA \(range)")
        #expect(measurement.shortTermLoudness.count == 171)
        // A constant tone has no range.
        let steady = try LoudnessMeter.measure(interleaved: try Self.tone(lufs: -18, seconds: 12), sampleRate: 48000, channels: 1)
        #expect(try #require(steady.range) < 0.01)
        #expect(abs(try #require(steady.integrated) - -18) < 0.01)
        // A drop 25 LU down is below the -20 LU relative gate and does not widen the range.
        let gated = try Self.tone(lufs: -20, seconds: 10) + Self.tone(lufs: -45, seconds: 10)
        let gatedRange = try #require(try LoudnessMeter.measure(interleaved: gated, sampleRate: 48000, channels: 1).range)
        #expect(gatedRange < 20 && gatedRange > 0, "LRA \(gatedRange)")
    }

    @Test func loudnessRangePercentilesInterpolate() {
        #expect(LoudnessRange.percentile(sorted: [0, 10], 95) == 9.5)
        #expect(LoudnessRange.percentile(sorted: [1, 2, 3, 4, 5], 10) == 1.4)
        #expect(LoudnessRange.range(shortTermLoudness: []) == nil)
        #expect(LoudnessRange.range(shortTermLoudness: [-80, -75]) == nil)
        #expect(LoudnessRange.range(shortTermLoudness: [-20, -20, -20]) == 0)
    }

    @Test func invalidParametersAreRejected() throws {
        #expect(throws: MusicIndexError.self) { try LoudnessMeter(sampleRate: 44100, channels: 0) }
        #expect(throws: MusicIndexError.self) { try LoudnessMeter(sampleRate: 2000, channels: 1) }
        #expect(throws: MusicIndexError.self) { try LoudnessMeter(sampleRate: 0, channels: 1) }
        #expect(throws: MusicIndexError.self) { try LoudnessMeter(sampleRate: 44100, channels: 8) }
        #expect(throws: MusicIndexError.self) { try LoudnessMeter(sampleRate: 44100, channels: 2, channelWeights: [1]) }
        #expect(throws: MusicIndexError.self) { try LoudnessMeter(sampleRate: 44100, channels: 1, channelWeights: [-1]) }
        #expect(throws: MusicIndexError.self) { try Biquad.highPass(q: 0, frequency: 38, sampleRate: 48000) }
        #expect(throws: MusicIndexError.self) { try Biquad.highShelf(gain: 4, q: 0.7, frequency: 30000, sampleRate: 48000) }
        _ = try LoudnessMeter(sampleRate: 44100, channels: 8, channelWeights: [1, 1, 1, 0, 1.41, 1.41, 1.41, 1.41])
        var meter = try LoudnessMeter(sampleRate: 44100, channels: 2)
        #expect(throws: MusicIndexError.self) { try meter.process([0, 0, 0]) }
    }

    @Test func fiveMinutesOfStereoInOnePass() throws {
        // 5 min of 44.1 kHz stereo noise-like content, fed in decoder-sized chunks.
        var meter = try LoudnessMeter(sampleRate: 44100, channels: 2)
        var chunk = [Float](repeating: 0, count: 2 * 4096)
        var seed: UInt32 = 1
        for _ in 0..<(300 * 44100 / 4096) {
            for index in chunk.indices {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                chunk[index] = Float(Int32(bitPattern: seed)) / Float(Int32.max) * 0.1
            }
            try meter.process(chunk)
        }
        let measurement = meter.measurement()
        #expect(measurement.blockLoudness.count > 2990)
        #expect(measurement.integrated != nil)
        #expect(try #require(measurement.range) < 1)
    }
}

/// The K-weighting loop (C, two frames per pass in the two-step form of each biquad) against
/// scipy's `lfilter` form of the same biquads, and its two code paths against each other.
@Suite struct KWeightingKernelTests {
    /// Interleaved noise with a slow tone, `frames` x `channels`.
    static func signal(frames: Int, channels: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(frames * channels)).map { i in
            Float(0.3 * sin(Double(i / channels) * 0.01 * Double(1 + i % channels)))
                + Float.random(in: -0.5...0.5, using: &generator)
        }
    }

    /// Block loudness the slow way: each channel through both biquads in transposed direct
    /// form II (scipy's `lfilter`), squared, summed over pyloudnorm's blocks, weighted by G.
    static func referenceBlockLoudness(_ samples: [Float], channels: Int, sampleRate: Int, weights: [Double]) throws -> [Double] {
        let filters = try KWeighting.filters(sampleRate: Double(sampleRate))
        let frames = samples.count / channels
        var squares = [[Double]](repeating: [], count: channels)
        for c in 0..<channels {
            var signal = (0..<frames).map { Double(samples[$0 * channels + c]) }
            for q in [filters.highShelf, filters.highPass] {
                var z1 = 0.0, z2 = 0.0
                for i in 0..<frames {
                    let x = signal[i], y = q.b0 * x + z1
                    z1 = q.b1 * x - q.a1 * y + z2
                    z2 = q.b2 * x - q.a2 * y
                    signal[i] = y
                }
            }
            squares[c] = signal.map { $0 * $0 }
        }
        let blockSamples = 0.4 * Double(sampleRate)
        let count = Int(((Double(frames) / Double(sampleRate) - 0.4) / 0.1).rounded(.toNearestOrEven)) + 1
        return (0..<max(0, count)).map { j in
            let lower = Int(0.4 * (Double(j) * 0.25) * Double(sampleRate))
            let upper = min(frames, Int(0.4 * (Double(j) * 0.25 + 1) * Double(sampleRate)))
            var z = 0.0
            for c in 0..<channels {
                var sum = 0.0
                for i in lower..<upper { sum += squares[c][i] }
                z += weights[c] * sum / blockSamples
            }
            return -0.691 + 10 * log10(z)
        }
    }

    @Test(arguments: [1, 2, 3, 6])
    func meterMatchesTheBiquadsOfLfilter(channels: Int) throws {
        let rate = 44100
        let samples = Self.signal(frames: 3 * rate + 77, channels: channels, seed: UInt64(channels))
        let weights = try #require(LoudnessMeter.defaultWeights(channels: channels))
        let reference = try Self.referenceBlockLoudness(samples, channels: channels, sampleRate: rate, weights: weights)
        // Fed in pieces of odd and even lengths, so passes start and end on odd frames too.
        var meter = try LoudnessMeter(sampleRate: rate, channels: channels)
        var start = 0, size = 1
        while start < samples.count / channels {
            let end = min(samples.count / channels, start + size)
            try meter.process(Array(samples[(start * channels)..<(end * channels)]))
            start = end
            size = size * 7 % 5003 + 1
        }
        let measured = meter.measurement().blockLoudness
        #expect(measured.count == reference.count)
        for (mine, theirs) in zip(measured, reference) {
            #expect(abs(mine - theirs) < 1e-9, "\(channels) channels: \(mine) vs \(theirs) LUFS")
        }
    }

    /// Long enough for two whole time-lane spans (6.3 s each at 44.1 kHz) and a remainder
    /// that goes through the sequential kernel.
    @Test(arguments: [1, 2, 3, 6])
    func timeLanesMatchTheBiquadsOfLfilter(channels: Int) throws {
        let rate = 44100
        let lanes = try #require(LoudnessMeter.laneLayout(try KWeighting.filters(sampleRate: Double(rate)).highShelf,
                                                          try KWeighting.filters(sampleRate: Double(rate)).highPass))
        let span = lanes.warmup + 8 * lanes.chunk
        #expect(lanes.warmup > rate / 5 && lanes.warmup < rate / 2, "warm-up \(lanes.warmup) frames")
        let frames = 2 * span + 3 * rate + 11
        let samples = Self.signal(frames: frames, channels: channels, seed: UInt64(100 + channels))
        let weights = try #require(LoudnessMeter.defaultWeights(channels: channels))
        let reference = try Self.referenceBlockLoudness(samples, channels: channels, sampleRate: rate, weights: weights)
        var meter = try LoudnessMeter(sampleRate: rate, channels: channels)
        var start = 0, size = 1
        while start < frames {
            let end = min(frames, start + size)
            try meter.process(Array(samples[(start * channels)..<(end * channels)]))
            start = end
            size = size * 7 % 50_021 + 1
        }
        let measured = meter.measurement()
        #expect(measured.blockLoudness.count == reference.count)
        for (mine, theirs) in zip(measured.blockLoudness, reference) {
            #expect(abs(mine - theirs) < 1e-9, "\(channels) channels: \(mine) vs \(theirs) LUFS")
        }
        // The sequential kernel on the same signal: the same blocks to within rounding.
        var sequential = try LoudnessMeter(sampleRate: rate, channels: channels, channelWeights: nil, timeLanes: false)
        try sequential.process(samples)
        let inOrder = sequential.measurement()
        #expect(inOrder.shortTermLoudness.count == measured.shortTermLoudness.count)
        for (a, b) in zip(measured.shortTermLoudness, inOrder.shortTermLoudness) { #expect(abs(a - b) < 1e-10) }
        #expect(abs(try #require(measured.integrated) - (try #require(inOrder.integrated))) < 1e-10)
    }

    /// The spans are cut at fixed frames of the stream, so any feeding gives the same bits.
    @Test func timeLanesDoNotDependOnTheFeeding() throws {
        let rate = 48000
        let frames = 20 * rate + 5
        let samples = Self.signal(frames: frames, channels: 2, seed: 7)
        let whole = try LoudnessMeter.measure(interleaved: samples, sampleRate: rate, channels: 2)
        for piece in [1, 4096, 16384, 300_001] {
            var meter = try LoudnessMeter(sampleRate: rate, channels: 2)
            var start = 0
            while start < frames {
                let end = min(frames, start + piece)
                try meter.process(Array(samples[(2 * start)..<(2 * end)]))
                start = end
            }
            #expect(meter.measurement() == whole, "pieces of \(piece) frames")
        }
    }

    @Test func timeLanePathsGiveTheSameBits() throws {
        let filters = try KWeighting.filters(sampleRate: 22050)
        var shelf = LoudnessMeter.section(filters.highShelf), pass = LoudnessMeter.section(filters.highPass)
        let chunk = 1000, warmup = 700, frames = warmup + 8 * chunk
        let edges = [1, 441, 999, 1000, 1700, 2205, 5000, frames - 1]
        for (channels, first, second) in [(2, 0, 1), (1, 0, 0), (3, 2, 2), (6, 4, 5), (3, 0, 1)] {
            let samples = Self.signal(frames: frames, channels: channels, seed: UInt64(20 * channels + first))
            var histories = [[Double]](repeating: (0..<24).map { Double($0 % 12) * 0.01 }, count: 3)
            var energies = [[Double]](repeating: [Double](repeating: 0, count: 2 * (edges.count + 1)), count: 3)
            for path in 0..<3 {
                histories[path].withUnsafeMutableBufferPointer { history in
                    let a = history.baseAddress!, b = second == first ? a : a + 12
                    energies[path].withUnsafeMutableBufferPointer { sums in
                        // The dispatched kernel against the portable one of the same arithmetic.
                        // Path 2: the other arithmetic (fused or not), equal to within rounding.
                        let fused = musicindex_kweight_lanes_fused() != 0
                        let portable = fused ? musicindex_kweight_lanes_fused_portable : musicindex_kweight_lanes_portable
                        let other = fused ? musicindex_kweight_lanes_portable : musicindex_kweight_lanes_fused_portable
                        let kernel = path == 0 ? musicindex_kweight_lanes : path == 1 ? portable : other
                        kernel(samples, chunk, warmup, channels, first, second, &shelf, &pass, a, b,
                               edges, edges.count, sums.baseAddress!)
                    }
                }
            }
            #expect(energies[0] == energies[1], "\(channels) channels (\(first), \(second))")
            #expect(histories[0] == histories[1], "\(channels) channels (\(first), \(second))")
            // The recursion's poles near 1 amplify rounding, so the two arithmetics agree to
            // about 1e-12 of the largest values rather than to 1e-16 of each.
            let energyScale = energies[0].max()!, stateScale = histories[0].map(abs).max()!
            for (x, y) in zip(energies[0], energies[2]) { #expect(abs(x - y) <= 1e-10 * energyScale) }
            for (x, y) in zip(histories[0], histories[2]) { #expect(abs(x - y) <= 1e-10 * stateScale) }
            // Every segment holds energy, the one-frame segment between edges 999 and 1000 too.
            #expect(energies[0].allSatisfy { $0 > 0 })
        }
    }

    @Test func bothCodePathsGiveTheSameBits() throws {
        let filters = try KWeighting.filters(sampleRate: 48000)
        var shelf = LoudnessMeter.section(filters.highShelf), pass = LoudnessMeter.section(filters.highPass)
        for (channels, first, second) in [(2, 0, 1), (1, 0, 0), (3, 2, 2), (6, 4, 5), (3, 0, 1)] {
            let samples = Self.signal(frames: 4801, channels: channels, seed: UInt64(10 * channels + first))
            var histories = [[Double]](repeating: [Double](repeating: 0, count: 24), count: 2)
            var sums = [[Double]](repeating: [0, 0], count: 2)
            samples.withUnsafeBufferPointer { buffer in
                var frame = 0, size = 3
                while frame < 4801 {
                    let count = min(size, 4801 - frame)
                    for path in 0..<2 {
                        histories[path].withUnsafeMutableBufferPointer { history in
                            let a = history.baseAddress!, b = second == first ? a : a + 12
                            sums[path].withUnsafeMutableBufferPointer { sums in
                                let kernel = path == 0 ? musicindex_kweight_pair : musicindex_kweight_pair_portable
                                kernel(buffer.baseAddress! + frame * channels, count, channels, first, second,
                                       &shelf, &pass, a, b, sums.baseAddress!)
                            }
                        }
                    }
                    frame += count
                    size = size * 5 % 997 + 2
                }
            }
            #expect(sums[0] == sums[1], "\(channels) channels (\(first), \(second))")
            #expect(histories[0] == histories[1], "\(channels) channels (\(first), \(second))")
            #expect(sums[0][0] > 0)
        }
    }
}
