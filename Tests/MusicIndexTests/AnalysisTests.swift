import Foundation
import GRDB
import Testing
@testable import MusicIndex

/// Writes interleaved float samples as a 32-bit float WAV file.
func writeWAV(_ samples: [Float], sampleRate: Int, channels: Int, to path: String) throws {
    var data = Data()
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    let bytes = UInt32(samples.count * 4)
    data.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes)
    data.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16)
    u16(3); u16(UInt16(channels)); u32(UInt32(sampleRate)); u32(UInt32(sampleRate * channels * 4))
    u16(UInt16(channels * 4)); u16(32)
    data.append(contentsOf: Array("data".utf8)); u32(bytes)
    samples.withUnsafeBytes { data.append(contentsOf: $0) }
    try data.write(to: URL(fileURLWithPath: path))
}

/// A click track: a 1 kHz, 2 ms-decay burst every 60/bpm seconds, stereo.
func clickTrack(bpm: Double, seconds: Double, sampleRate: Int) -> [Float] {
    let frames = Int(seconds * Double(sampleRate))
    var mono = [Float](repeating: 0, count: frames)
    let period = 60 / bpm * Double(sampleRate)
    var onset = 0.0
    while Int(onset) < frames {
        let start = Int(onset.rounded())
        for i in 0..<min(Int(0.01 * Double(sampleRate)), frames - start) {
            let t = Double(i) / Double(sampleRate)
            mono[start + i] += Float(0.8 * exp(-t / 0.002) * sin(2 * .pi * 1000 * t))
        }
        onset += period
    }
    return mono.flatMap { [$0, $0] }
}

@Suite("Analysis windows")
struct AnalysisWindowsTests {
    let windows = AnalysisWindows()

    @Test("three windows centred at 25, 50 and 75 % of a long track")
    func longTrack() {
        let spans = windows.spans(trackDuration: 300, hopLength: 512, sampleRate: 22050)
        let length = 384.0 * 512 / 22050
        #expect(spans.count == 3)
        for (span, centre) in zip(spans, [75.0, 150, 225]) {
            #expect(abs(span.start + length / 2 - centre) < 1e-9)
            #expect(span.duration == length)
        }
    }

    @Test("short, unknown-length and --full tracks are analysed whole")
    func wholeTrack() {
        #expect(windows.spans(trackDuration: 50, hopLength: 512, sampleRate: 22050) == [.init(start: 0, duration: nil)])
        #expect(windows.spans(trackDuration: nil, hopLength: 512, sampleRate: 22050) == [.init(start: 0, duration: nil)])
        let full = AnalysisWindows(full: true)
        #expect(full.spans(trackDuration: 600, hopLength: 512, sampleRate: 22050) == [.init(start: 0, duration: nil)])
    }

    @Test("segments: consecutive, a large remainder ends at the last frame, a small one is dropped")
    func segmenting() {
        #expect(windows.segmentStarts(frames: 300) == [0, 128])
        #expect(windows.segmentStarts(frames: 330) == [0, 128, 202])
        #expect(windows.segmentStarts(frames: 256) == [0, 128])
        #expect(windows.segmentStarts(frames: 100) == [0])
    }

    @Test("invalid policies are rejected")
    func invalid() {
        #expect(throws: MusicIndexError.self) { try AnalysisWindows(segmentFrames: 0).validate() }
        #expect(throws: MusicIndexError.self) { try AnalysisWindows(windowCount: 0).validate() }
        #expect(throws: MusicIndexError.self) { try AnalysisWindows(segmentsPerWindow: -1).validate() }
    }
}

@Suite("Track analysis")
struct TrackAnalyzerTests {
    @Test("a truncated file is analysed from what is left and flagged; almost nothing left is a failure")
    func truncated() throws {
        let half = try DecodeTests.truncatedCopy("source.flac", fraction: 0.6)
        let analysis = try TrackAnalyzer().analyse(path: half)
        #expect(analysis.features != nil && !analysis.segments.isEmpty)
        let warning = try #require(AnalysisStage.damageWarning(analysis))
        #expect(warning.contains("of its declared 2.0 s can be decoded; analysed from those"), "\(warning)")
        #expect(AnalysisStage.damageWarning(try TrackAnalyzer().analyse(path: DecodeTests.path("source.flac"))) == nil)

        let sliver = try DecodeTests.truncatedCopy("cbr.mp3", fraction: 0.1)
        #expect(throws: StageFailure(.decode, "truncated or damaged: only 0.2 s of its declared 2.0 s can be decoded (libmpg123)")) {
            _ = try TrackAnalyzer().analyse(path: sliver)
        }
    }

    @Test("a 120 BPM click track reads 120 +/- 1 BPM with strong beats")
    func clickTempo() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = folder + "/click.wav"
        try writeWAV(clickTrack(bpm: 120, seconds: 20, sampleRate: 44100), sampleRate: 44100, channels: 2, to: path)
        let analysis = try TrackAnalyzer().analyse(path: path)
        let features = try #require(analysis.features)
        let tempo = try #require(features.tempo)
        #expect(abs(tempo - 120) <= 1, "tempo \(tempo)")
        #expect(try #require(features.beatStrength) > 0.5)
        #expect(abs(features.onsetRate - 2) < 0.2, "onset rate \(features.onsetRate)")
    }

    @Test("a -23 LUFS tone reads -23 LUFS through the whole chain")
    func toneLoudness() throws {
        let dsp = TestSupport.fixtures.appendingPathComponent("dsp")
        let samples = try Data(contentsOf: dsp.appendingPathComponent("tone_lufs.input.f32")).withUnsafeBytes {
            Array($0.bindMemory(to: Float.self))
        }
        let path = try TestSupport.temporaryFolder() + "/tone.wav"
        try writeWAV(samples, sampleRate: 48000, channels: 2, to: path)
        let features = try #require(try TrackAnalyzer().analyse(path: path).features)
        let loudness = try #require(features.loudness)
        #expect(abs(loudness - -23) < 0.1, "loudness \(loudness)")
        // A pure 1 kHz tone: its chroma peaks near B/C and its flatness is tiny.
        #expect(features.spectralFlatness < 0.01)
        #expect(abs(features.spectralCentroid - 1000) < 50)
    }

    @Test("silence is analysed, not an error: no loudness, no scores, one silent segment per 3 s")
    func silence() throws {
        let path = try TestSupport.temporaryFolder() + "/silence.wav"
        try writeWAV([Float](repeating: 0, count: 44100 * 4), sampleRate: 44100, channels: 1, to: path)
        let analysis = try TrackAnalyzer().analyse(path: path)
        let features = try #require(analysis.features)
        #expect(features.loudness == nil)
        #expect(features.energy == nil)
        #expect(features.tempo == nil)
        #expect(analysis.segments.count == 1)
        #expect(analysis.segments.allSatisfy { $0.values.allSatisfy { $0 == -100 } })
    }

    @Test("a clip shorter than one segment is padded to one segment")
    func shortClip() throws {
        let path = try TestSupport.temporaryFolder() + "/short.wav"
        let tone = (0..<11025).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / 22050)) }
        try writeWAV(tone, sampleRate: 22050, channels: 1, to: path)
        let analysis = try TrackAnalyzer().analyse(path: path)
        #expect(analysis.segments.count == 1)
        #expect(analysis.segments[0].rows == 128 && analysis.segments[0].columns == 128)
        #expect(try #require(analysis.features).analysedSeconds == 0.5)
    }

    @Test("long tracks are analysed in three windows by default and whole with --full")
    func windowsAndFull() throws {
        let path = try TestSupport.temporaryFolder() + "/long.wav"
        let seconds = 70.0
        let noise = (0..<Int(seconds * 22050)).map { i in Float(0.2 * sin(Double(i) * 0.05) + 0.05 * sin(Double(i) * 1.3)) }
        try writeWAV(noise, sampleRate: 22050, channels: 1, to: path)
        let windowed = try TrackAnalyzer().analyse(path: path)
        #expect(windowed.spans.count == 3)
        #expect(windowed.segments.count == 9)
        #expect(abs(try #require(windowed.features).analysedSeconds - 3 * 384 * 512 / 22050) < 0.01)
        let full = try TrackAnalyzer(windows: AnalysisWindows(full: true)).analyse(path: path, features: false)
        #expect(full.features == nil)
        let frames = 1 + Int(seconds * 22050) / 512
        #expect(full.segments.count == AnalysisWindows().segmentStarts(frames: frames).count)
        #expect(windowed.segments[0].rows == full.segments[0].rows)
    }

    @Test("undecodable input is a decode-stage failure with the reason")
    func undecodable() throws {
        #expect {
            _ = try TrackAnalyzer().analyse(path: TestSupport.tagFixtures.appendingPathComponent("text.mp3").path)
        } throws: { error in
            guard let failure = error as? StageFailure else { return false }
            return failure.stage == .decode && failure.reason.contains("plain text")
        }
    }

    @Test("the segment array is a NumPy .npy file of [segments, mels, frames] float32")
    func npy() throws {
        let matrix = FeatureMatrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        let path = try TestSupport.temporaryFolder() + "/x.npy"
        try SegmentArray.write([matrix, matrix], to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.prefix(8) == Data([0x93] + Array("NUMPY".utf8) + [1, 0]))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (2, 2, 3)") && header.hasSuffix("\n"))
        let values = data[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6])
    }
}

@Suite("Scan analysis")
struct ScanAnalysisTests {
    @Test("a scan stores features per audio payload; a renamed file keeps them without a new analysis")
    func featuresSurviveRename() async throws {
        let folder = try TestSupport.temporaryFolder()
        try writeWAV(clickTrack(bpm: 100, seconds: 6, sampleRate: 44100), sampleRate: 44100, channels: 2, to: folder + "/a.wav")
        let (library, summary) = try await TestSupport.scan([folder], db: folder + ".sqlite")
        #expect(summary.new == 1 && summary.failed == 0)
        let track = try #require(try library.track(path: folder + "/a.wav"))
        let stored = try #require(try library.features(audioHash: track.audioHash))
        #expect(abs(try #require(stored.features.tempo) - 100) < 1.5)

        try FileManager.default.moveItem(atPath: folder + "/a.wav", toPath: folder + "/b.wav")
        _ = try await TestSupport.scan([folder], db: folder + ".sqlite")
        let moved = try #require(try library.features(audioHash: track.audioHash))
        #expect(moved.analysedAt == stored.analysedAt)

        try FileManager.default.removeItem(atPath: folder + "/b.wav")
        _ = try await TestSupport.scan([folder], db: folder + ".sqlite")
        #expect(try library.features(audioHash: track.audioHash) == nil)
    }

    @Test("a damaged MP3 is indexed and analysed, and the scan warns about its skipped frames")
    func damagedWarning() async throws {
        let folder = try TestSupport.temporaryFolder()
        try FileManager.default.copyItem(atPath: TestSupport.fixtures.appendingPathComponent("decode/damaged.mp3").path,
                                         toPath: folder + "/damaged.mp3")
        let (library, summary) = try await TestSupport.scan([folder], db: folder + ".sqlite")
        #expect(summary.new == 1 && summary.failed == 0)
        #expect(summary.warnings.contains { $0.contains("damaged.mp3") && $0.contains("frames skipped") })
        let track = try #require(try library.track(path: folder + "/damaged.mp3"))
        #expect(try library.features(audioHash: track.audioHash) != nil)
    }

    @Test("a scan with a genre model stores each payload's distribution, timeline and embedding once")
    func genreModel() async throws {
        let folder = try TestSupport.temporaryFolder()
        try writeWAV(clickTrack(bpm: 120, seconds: 5, sampleRate: 22050), sampleRate: 22050, channels: 2, to: folder + "/a.wav")
        let modelPath = TestSupport.fixtures.appendingPathComponent("model/tiny.safetensors").path
        let library = try Library(path: folder + ".sqlite")
        let options = ScanOptions(roots: [folder], jobs: 2, modelPath: modelPath)
        let first = try await LibraryScanner(library: library, options: options).run()
        #expect(first.new == 1 && first.failed == 0)
        let track = try #require(try library.track(path: folder + "/a.wav"))
        let analysis = try #require(try library.genreAnalysis(audioHash: track.audioHash))
        #expect(analysis.model.name == "fixture-tiny")
        #expect(analysis.probabilities.count == analysis.model.labels.count)
        #expect(abs(analysis.probabilities.reduce(0, +) - 1) < 1e-4)
        #expect(analysis.timeline.count >= 1 && analysis.timeline.allSatisfy { $0.count == analysis.model.labels.count })
        // The track's distribution is the mean of its timeline (seed 003's averaging).
        for label in analysis.model.labels.indices {
            let mean = analysis.timeline.map { $0[label] }.reduce(0, +) / Float(analysis.timeline.count)
            #expect(abs(mean - analysis.probabilities[label]) < 1e-5)
        }
        #expect(analysis.embedding.count == 24)

        // Nothing to do on a second scan with the same model; a tags-only scan leaves it alone.
        let second = try await LibraryScanner(library: library, options: options).run()
        #expect(second.unchanged == 1 && second.updated == 0)
        _ = try await LibraryScanner(library: library, options: ScanOptions(roots: [folder], tagsOnly: true)).run()
        #expect(try library.genreAnalysis(audioHash: track.audioHash) == analysis)
    }

    @Test("a model file that cannot be loaded stops the scan before it starts, with the reason")
    func badModel() async throws {
        let folder = try TestSupport.temporaryFolder()
        let library = try Library(path: folder + ".sqlite")
        let bogus = folder + "/model.safetensors"
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: bogus))
        await #expect {
            _ = try await LibraryScanner(library: library, options: ScanOptions(roots: [folder], modelPath: bogus)).run()
        } throws: { error in
            "\(error)".contains("model file \(bogus)")
        }
    }
}
