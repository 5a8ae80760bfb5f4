import Foundation
import Testing
@testable import MusicIndex

/// Decoding every format of `Fixtures/decode` (see scripts/make-decode-fixtures.sh): the same
/// 2-second stereo source encoded many ways.
@Suite("Decoding")
struct DecodeTests {
    static let folder = TestSupport.fixtures.appendingPathComponent("decode")
    static let sourceFrames = 88200

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The source PCM as interleaved float (16-bit / 32768).
    static func sourceSamples() throws -> [Float] {
        let data = try Data(contentsOf: folder.appendingPathComponent("source.wav"))
        // sox writes a canonical 44-byte header for this file.
        let pcm = data.subdata(in: 44..<data.count)
        return pcm.withUnsafeBytes { raw in
            raw.bindMemory(to: Int16.self).map { Float(Int16(littleEndian: $0)) / 32768 }
        }
    }

    /// Every native frame of a file, interleaved.
    static func decodeAll(_ name: String) throws -> (samples: [Float], reader: AudioReader) {
        let reader = try AudioReader(path: path(name))
        let sink = CollectingSink()
        _ = try reader.signal(native: sink)
        return (sink.samples, reader)
    }

    @Test("lossless formats decode to the source samples exactly",
          arguments: ["source.wav", "source.flac", "source.aiff", "alac.m4a", "wavpack.wv"])
    func lossless(name: String) throws {
        let source = try Self.sourceSamples()
        let (samples, reader) = try Self.decodeAll(name)
        #expect(reader.nativeSampleRate == 44100)
        #expect(reader.channels == 2)
        #expect(samples.count == source.count, "\(name): \(samples.count / 2) frames")
        let difference = zip(samples, source).map { abs($0 - $1) }.max() ?? 1
        #expect(difference == 0, "\(name): max difference \(difference)")
    }

    @Test("each format goes to the decoder its content calls for")
    func backends() throws {
        let expected: [String: String] = [
            "cbr.mp3": "libmpg123", "source.flac": "libsndfile", "source.wav": "libsndfile",
            "source.aiff": "libsndfile", "source.ogg": "libsndfile", "source.opus": "libsndfile",
            "aac.m4a": "FFmpeg", "alac.m4a": "FFmpeg", "wavpack.wv": "FFmpeg",
        ]
        for (name, backend) in expected {
            #expect(try AudioReader(path: Self.path(name)).backend == backend, "\(name)")
        }
    }

    @Test("MP3 with a LAME/Xing header decodes gaplessly to the source length",
          arguments: ["cbr.mp3", "vbr.mp3"])
    func gaplessMP3(name: String) throws {
        let (samples, reader) = try Self.decodeAll(name)
        #expect(reader.channels == 2)
        #expect(samples.count / 2 == Self.sourceFrames)
        #expect(reader.duration == Double(Self.sourceFrames) / 44100)
        #expect(try correlation(samples, try Self.sourceSamples()) > 0.99)
    }

    @Test("MP3 without a Xing header, mono and 48 kHz MP3")
    func otherMP3() throws {
        let noXing = try Self.decodeAll("noxing.mp3")
        // Without the LAME header the encoder delay and padding stay in (whole frames).
        #expect(noXing.samples.count / 2 >= Self.sourceFrames)
        #expect(noXing.samples.count / 2 < Self.sourceFrames + 3 * 1152)
        // Without a header the length is estimated from the file size (CBR: close).
        #expect(abs(try #require(noXing.reader.duration) - Double(noXing.samples.count / 2) / 44100) < 0.05)

        let mono = try Self.decodeAll("mono.mp3")
        #expect(mono.reader.channels == 1)
        #expect(mono.samples.count == Self.sourceFrames)

        let high = try Self.decodeAll("48k.mp3")
        #expect(high.reader.nativeSampleRate == 48000)
        #expect(high.samples.count / 2 == 96000)
    }

    @Test("Ogg Vorbis, Opus and AAC decode to the source length and shape")
    func lossy() throws {
        let source = try Self.sourceSamples()
        for name in ["source.ogg", "source.opus", "aac.m4a"] {
            let (samples, reader) = try Self.decodeAll(name)
            let rate = reader.nativeSampleRate
            let seconds = Double(samples.count / reader.channels) / Double(rate)
            #expect(abs(seconds - 2.0) < 0.03, "\(name): \(seconds) s")
            if rate == 44100 {
                let c = try correlation(samples, source)
                #expect(c > 0.95, "\(name): correlation \(c)")
            }
        }
    }

    @Test("the analysis signal is mono at the analysis rate with librosa's length")
    func analysisSignal() throws {
        for name in ["cbr.mp3", "source.flac", "48k.mp3", "source.opus", "aac.m4a", "mono.mp3"] {
            let reader = try AudioReader(path: Self.path(name))
            let sink = CollectingSink()
            let signal = try reader.signal(sampleRate: 22050, native: sink)
            let frames = sink.samples.count / reader.channels
            let expected = Int((Double(frames) * 22050 / Double(reader.nativeSampleRate)).rounded(.up))
            #expect(signal.count == expected, "\(name)")
            #expect(signal.allSatisfy { $0.isFinite && abs($0) <= 1.5 })
        }
    }

    @Test("a windowed decode equals the same span cut out of a full decode",
          arguments: ["cbr.mp3", "vbr.mp3", "source.flac", "source.ogg", "48k.mp3", "aac.m4a", "source.wav"])
    func windowEqualsSpan(name: String) throws {
        let full = try AudioReader(path: Self.path(name)).signal(sampleRate: 22050)
        let reader = try AudioReader(path: Self.path(name))
        let window = try reader.signal(from: 0.8, duration: 0.5, sampleRate: 22050)
        #expect(window.count == 11025)
        let offset = 17640 // 0.8 s at 22050 Hz
        let difference = zip(window, full[offset..<(offset + window.count)]).map { abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-4, "\(name): max difference \(difference)")

        // At the native rate the span is sample-exact, except that FFmpeg's AAC decoder does
        // not restore every bit of its inter-frame state after a seek (measured: 5.5e-5).
        let nativeFull = try Self.decodeAll(name).samples
        let sink = CollectingSink()
        _ = try AudioReader(path: Self.path(name)).signal(from: 0.8, duration: 0.5, native: sink)
        let channels = reader.channels
        let start = Int((0.8 * Double(reader.nativeSampleRate)).rounded()) * channels
        #expect(sink.samples.count == reader.nativeSampleRate / 2 * channels)
        let nativeDifference = zip(sink.samples, nativeFull[start...]).map { abs($0 - $1) }.max() ?? 1
        #expect(nativeDifference < (name.hasSuffix(".m4a") ? 2e-4 : 1e-6), "\(name): native max difference \(nativeDifference)")
    }

    @Test("a span past the end is empty; a span over the end stops at the end")
    func spansAtTheEnd() throws {
        let reader = try AudioReader(path: Self.path("cbr.mp3"))
        #expect(try reader.signal(from: 5, duration: 1, sampleRate: 22050).isEmpty)
        let tail = try AudioReader(path: Self.path("source.flac")).signal(from: 1.5, duration: 2, sampleRate: 22050)
        #expect(tail.count == 11025)
    }

    @Test("the resampler writes in place while the storage lasts and continues in order past it")
    func resamplerOverflow() throws {
        var generator = SeededGenerator(seed: 3)
        let input = (0..<50_000).map { _ in Float.random(in: -1...1, using: &generator) }
        func resample(capacity: Int, chunk: Int) throws -> [Float] {
            let resampler = try Resampler(from: 44100, to: 22050)
            let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: capacity)
            defer { storage.deallocate() }
            var output = ResampledOutput(storage: storage)
            input.withUnsafeBufferPointer { samples in
                var start = 0
                while start < samples.count {
                    let end = min(samples.count, start + chunk)
                    resampler.process(UnsafeBufferPointer(rebasing: samples[start..<end]), into: &output)
                    start = end
                }
            }
            resampler.flush(into: &output)
            #expect(output.count == output.stored + output.overflow.count)
            return Array(storage[0..<output.stored]) + output.overflow
        }
        let reference = try resample(capacity: 40_000, chunk: 16384)
        #expect(reference.count >= 25_000)
        // Storage far too small, just too small, and none at all; chunks of several sizes.
        for capacity in [0, 100, 300, 12_345, reference.count - 1, reference.count] {
            for chunk in [1000, 16384] {
                #expect(try resample(capacity: capacity, chunk: chunk) == reference, "capacity \(capacity), chunks of \(chunk)")
            }
        }
        // Passing through at equal rates copies the input, overflowing the same way.
        let same = try Resampler(from: 22050, to: 22050)
        let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: 10)
        defer { storage.deallocate() }
        var output = ResampledOutput(storage: storage)
        input.withUnsafeBufferPointer { same.process(UnsafeBufferPointer(rebasing: $0[0..<25]), into: &output) }
        #expect(Array(storage[0..<output.stored]) + output.overflow == Array(input[0..<25]))
    }

    /// Every frame of `decoder` from where it stands, read `size` frames at a time.
    static func readAll(_ decoder: any AudioDecoder, size: Int) throws -> [Float] {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: size * decoder.channels)
        defer { buffer.deallocate() }
        var samples: [Float] = []
        while true {
            let frames = try decoder.read(into: buffer, maxFrames: size)
            #expect((0...size).contains(frames))
            if frames == 0 { break }
            samples.append(contentsOf: buffer[0..<(frames * decoder.channels)])
        }
        return samples
    }

    @Test("libmpg123 decodes into the caller's buffer: the same samples for any read size, from the start and after a seek",
          arguments: ["cbr.mp3", "vbr.mp3", "noxing.mp3", "mono.mp3", "damaged.mp3"])
    func mp3ReadSizes(name: String) throws {
        let reference = try Self.readAll(try MPG123Decoder(path: Self.path(name)), size: 1 << 16)
        for size in [1, 7, 575, 1151, 1152, 1153, 2304, 4000, 16384] {
            let decoder = try MPG123Decoder(path: Self.path(name))
            let samples = try Self.readAll(decoder, size: size)
            #expect(samples == reference, "\(name), reads of \(size): \(samples.count) samples against \(reference.count)")
        }
        // After a seek (libmpg123 decodes from a few frames before the target), the same
        // samples again whatever the read size; read sizes mixed within one stream too.
        let start = 30_001
        let afterSeek: [Float] = try {
            let decoder = try MPG123Decoder(path: Self.path(name))
            try decoder.seek(toFrame: start)
            return try Self.readAll(decoder, size: 1 << 16)
        }()
        let channels = try MPG123Decoder(path: Self.path(name)).channels
        if name != "damaged.mp3" {
            // Sample-exact. libmpg123 does not restore the whole decoder state on a seek: in
            // vbr.mp3 the first MPEG frame after it differs by up to 0.5, which is why
            // `AudioReader` always starts decoding 0.1 s before a span; after that frame the
            // samples agree to rounding (mono.mp3: 9e-8).
            #expect(afterSeek.count == reference.count - start * channels)
            let settled = 1152 * channels
            let tail = reference[(start * channels + settled)...]
            let difference = zip(afterSeek.dropFirst(settled), tail).map { abs($0 - $1) }.max() ?? 1
            #expect(difference < 1e-6, "\(name): \(difference) after the seek")
        }
        for size in [1, 1151, 3000] {
            let decoder = try MPG123Decoder(path: Self.path(name))
            try decoder.seek(toFrame: start)
            var mixed: [Float] = []
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 16384 * decoder.channels)
            defer { buffer.deallocate() }
            var turn = 0
            while true {
                let want = turn % 2 == 0 ? size : 16384
                let frames = try decoder.read(into: buffer, maxFrames: want)
                if frames == 0 { break }
                mixed.append(contentsOf: buffer[0..<(frames * decoder.channels)])
                turn += 1
            }
            #expect(mixed == afterSeek, "\(name), seek and reads of \(size) and 16384")
        }
    }

    @Test("a damaged MP3 decodes past the damage")
    func damagedMP3() throws {
        let (samples, reader) = try Self.decodeAll("damaged.mp3")
        // 3 KB of junk is about 8 to 10 frames of 128 kbit/s audio (1152 samples each), lost
        // from the middle (libmpg123 needs a few good frames to trust a resync, and a frame
        // straddling the junk can still decode); the rest decodes.
        #expect(samples.count / 2 > Self.sourceFrames - 20 * 1152)
        #expect(samples.count / 2 < Self.sourceFrames)
        #expect((4...12).contains(reader.skippedFrames), "skipped \(reader.skippedFrames)")
        // An intact file skips nothing.
        #expect(try Self.decodeAll("cbr.mp3").reader.skippedFrames == 0)
        #expect(samples.allSatisfy { $0.isFinite })
    }

    /// A copy of a fixture cut to `fraction` of its bytes.
    static func truncatedCopy(_ name: String, fraction: Double) throws -> String {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        let path = try TestSupport.temporaryFolder("truncated") + "/" + name
        try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a truncated file reports its readable length; spans within it decode",
          arguments: ["cbr.mp3", "source.flac"])
    func truncated(name: String) throws {
        let reader = try AudioReader(path: Self.truncatedCopy(name, fraction: 0.6))
        let declared = try #require(reader.declaredDuration)
        let readable = try #require(reader.duration)
        #expect(abs(declared - 2.0) < 0.01)
        #expect(readable > 0.9 && readable < 1.5, "readable \(readable) s")
        // The last readable instant can be reached (libsndfile cannot seek past the cut).
        #expect(try reader.signal(from: readable - 0.3, duration: 0.2, sampleRate: 22050).count == 4410)
        let whole = try reader.signal(sampleRate: 22050)
        #expect(abs(Double(whole.count) / 22050 - readable) < 0.05)
    }

    @Test("an intact file of every format is readable to its declared length and skips nothing")
    func intactIsWhole() throws {
        let decode = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { !$0.hasSuffix(".json") && $0 != "damaged.mp3" }.map(Self.path)
        // The tag fixtures include MP3s without a LAME/Xing header, whose length libmpg123
        // only estimates from the file size (wrongly, for id3v24.mp3): nothing to compare.
        let tags = ["id3v1.mp3", "id3v23.mp3", "id3v24.mp3", "vorbis.flac", "vorbis.ogg", "plain.wav", "aac.m4a", "opus.opus"]
            .map { TestSupport.tagFixtures.appendingPathComponent($0).path }
        #expect(decode.count >= 13)
        for path in decode + tags {
            let name = (path as NSString).lastPathComponent
            let reader = try AudioReader(path: path)
            _ = try reader.signal(sampleRate: 22050)
            // Without a LAME/Xing header an MP3 declares no length (libmpg123 estimates one).
            let headerless = ["noxing.mp3", "id3v1.mp3", "id3v24.mp3"].contains(name)
            #expect(headerless ? reader.declaredDuration == nil : reader.duration == reader.declaredDuration, "\(name)")
            #expect(reader.skippedFrames == 0, "\(name)")
        }
    }

    @Test("files that are not decodable get specific errors")
    func undecodable() throws {
        let tags = TestSupport.tagFixtures
        let cases: [(String, DecodeError.Kind, String)] = [
            (tags.appendingPathComponent("text.mp3").path, .unsupported, "plain text"),
            (tags.appendingPathComponent("empty.mp3").path, .empty, "empty"),
            (tags.appendingPathComponent("image.mp3").path, .unsupported, "image"),
            ("/nonexistent/file.mp3", .io, "No such file"),
        ]
        for (path, kind, words) in cases {
            #expect {
                _ = try AudioReader(path: path)
            } throws: { error in
                guard let error = error as? DecodeError else { return false }
                return error.kind == kind && error.reason.contains(words)
            }
        }
    }

    @Test("decoding, down-mixing and resampling equal librosa's load of the same MP3")
    func librosaLoadParity() throws {
        // music.input.f32: mpg123 float decode, channel mean, librosa.resample(soxr_hq),
        // then 3.0 s from 2.0 s.
        let dsp = TestSupport.fixtures.appendingPathComponent("dsp")
        let expected = try Data(contentsOf: dsp.appendingPathComponent("music.input.f32")).withUnsafeBytes {
            Array($0.bindMemory(to: Float.self))
        }
        let file = TestSupport.packageRoot.appendingPathComponent("examples/music/Static Engines/Overdrive/01 - Redline.mp3").path
        let full = try AudioReader(path: file).signal(sampleRate: 22050)
        let cut = Array(full[44100..<(44100 + 66150)])
        let difference = zip(cut, expected).map { abs($0 - $1) }.max() ?? 1
        #expect(expected.count == 66150)
        #expect(difference < 1e-4, "max difference \(difference)")
        // The windowed read of the same span matches as well.
        let window = try AudioReader(path: file).signal(from: 2.0, duration: 3.0, sampleRate: 22050)
        let windowDifference = zip(window, expected).map { abs($0 - $1) }.max() ?? 1
        #expect(windowDifference < 1e-4, "window max difference \(windowDifference)")
    }
}

/// Collects every native chunk an `AudioReader` hands out.
final class CollectingSink: NativeAudioSink {
    var samples = [Float]()
    func consume(_ samples: UnsafeBufferPointer<Float>, channels: Int, sampleRate: Int) {
        self.samples.append(contentsOf: samples)
    }
}

/// Pearson correlation of two signals over their common length.
func correlation(_ a: [Float], _ b: [Float]) throws -> Double {
    let n = min(a.count, b.count)
    guard n > 1 else { return 0 }
    var (sa, sb, saa, sbb, sab) = (0.0, 0.0, 0.0, 0.0, 0.0)
    for i in 0..<n {
        let x = Double(a[i]), y = Double(b[i])
        sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y
    }
    let N = Double(n)
    return (sab - sa * sb / N) / (((saa - sa * sa / N) * (sbb - sb * sb / N)).squareRoot())
}

@Suite struct FLACTailTests {
    /// A whole FLAC's last frame ends at its declared length; a cut one's does not; a file
    /// of another kind has no frame to find.
    @Test func lastFrameTellsWholeFromTruncated() throws {
        for (path, declared) in [(TestSupport.fixtures.appendingPathComponent("decode/source.flac").path, 88200),
                                 (TestSupport.tagFixtures.appendingPathComponent("vorbis.flac").path, 44100)] {
            #expect(FLACTail.reachesEnd(path: path, declaredFrames: declared), "\(path)")
            #expect(!FLACTail.reachesEnd(path: path, declaredFrames: declared + 4096), "\(path)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let folder = try TestSupport.temporaryFolder()
            for fraction in [0.5, 0.9] {
                let cut = folder + "/cut-\(fraction).flac"
                try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: URL(fileURLWithPath: cut))
                #expect(!FLACTail.reachesEnd(path: cut, declaredFrames: declared), "\(cut)")
            }
        }
        #expect(!FLACTail.reachesEnd(path: TestSupport.tagFixtures.appendingPathComponent("id3v23.mp3").path, declaredFrames: 1000))
    }

    @Test func headerCRC() {
        // CRC-8 check value of "123456789" for FLAC's polynomial.
        #expect(FLACTail.crc8(ArraySlice(Array("123456789".utf8))) == 0xF4)
    }
}
