import Foundation

/// Receives the decoded audio of a span at its native rate and channel count, before
/// down-mixing and resampling (the loudness meter measures what the file holds, not the
/// analysis signal).
public protocol NativeAudioSink: AnyObject {
    /// Called with consecutive chunks of interleaved samples, in order.
    func consume(_ samples: UnsafeBufferPointer<Float>, channels: Int, sampleRate: Int)
}

/// A music file opened for decoding: chooses a decoder by content and turns any span of
/// the track into the analysis signal, float mono at the analysis rate.
///
/// The decoder is chosen by what the file's bytes are, not by its name: MPEG audio goes to
/// libmpg123; FLAC, WAV, AIFF, Ogg Vorbis/FLAC and Opus to libsndfile (FFmpeg if libsndfile
/// refuses one); MP4 (AAC, ALAC), ASF, WavPack, APE, Musepack, TTA and Speex to FFmpeg.
/// Down-mixing is the mean of the channels (librosa's `to_mono`); resampling is libsoxr's
/// high-quality recipe (librosa's default `soxr_hq`). The file is only ever read.
public final class AudioReader {
    public let path: String
    public let format: AudioFormat
    private let decoder: any AudioDecoder

    /// Opens `path`, sniffing its content to choose the decoder.
    public init(path: String) throws(DecodeError) {
        self.path = path
        let kind: ContentKind
        do {
            let file = try ReadOnlyFile(path: path)
            kind = try ContentSniffer.kind(of: file, fileExtension: (path as NSString).pathExtension.lowercased())
        } catch {
            throw DecodeError(.io, "cannot read the file: \(error.message)")
        }
        switch kind {
        case .audio(let format):
            self.format = format
            decoder = try Self.openDecoder(path: path, format: format)
        case .notAudio(let what):
            throw DecodeError(.unsupported, "not audio: \(what)")
        case .unsupported(let what):
            throw DecodeError(.unsupported, "unsupported audio: \(what)")
        case .empty:
            throw DecodeError(.empty, "the file is empty")
        }
    }

    /// The library decoding this file ("libmpg123", "libsndfile", "FFmpeg").
    public var backend: String { decoder.backend }
    /// The file's own sample rate in Hz.
    public var nativeSampleRate: Int { decoder.sampleRate }
    /// The file's channel count.
    public var channels: Int { decoder.channels }
    /// Length in seconds when known: exact for lossless formats and MP3s with a LAME/Xing
    /// header, an estimate from the bitrate for MP3s without one.
    public var duration: Double? { decoder.frameCount.map { Double($0) / Double(decoder.sampleRate) } }
    /// The length the file's headers declare, in seconds; longer than `duration` when the
    /// decoder found part of the stream missing (a truncated file, junk in the middle).
    public var declaredDuration: Double? { decoder.declaredFrameCount.map { Double($0) / Double(decoder.sampleRate) } }
    /// Damaged frames skipped so far.
    public var skippedFrames: Int { decoder.skippedFrames }

    /// The analysis signal for `duration` seconds from `start` (the rest of the track when
    /// nil), float mono at `sampleRate` Hz.
    ///
    /// The result has `ceil(frames * sampleRate / nativeRate)` samples for the frames the
    /// span covers (librosa's `fix_length` after resampling). A span that starts inside the
    /// track decodes a short margin before it and drops the margin after resampling, so a
    /// windowed read equals the same span cut from a whole-track read to within float
    /// rounding. The start is rounded to the nearest instant where input and output samples
    /// coincide (at most a few milliseconds). `native`, when given, receives exactly the
    /// span's decoded frames at the native rate.
    public func signal(from start: Double = 0, duration: Double? = nil, sampleRate: Int = 22050,
                       native: NativeAudioSink? = nil) throws(DecodeError) -> [Float] {
        var profile = StageProfile.disabled
        return try signal(from: start, duration: duration, sampleRate: sampleRate, native: native, profile: &profile)
    }

    /// `signal(from:duration:sampleRate:native:)`, adding the time of decoding, of down-mixing
    /// and resampling, and of `native` (as feature work) to `profile`.
    public func signal(from start: Double = 0, duration: Double? = nil, sampleRate: Int = 22050,
                       native: NativeAudioSink? = nil, profile: inout StageProfile) throws(DecodeError) -> [Float] {
        guard sampleRate > 0 else { throw DecodeError(.unsupported, "analysis rate must be positive, got \(sampleRate)") }
        let inputRate = decoder.sampleRate
        let channelCount = decoder.channels
        let resampler = try profile.measure(.resample) { () throws(DecodeError) in
            try Resampler(from: inputRate, to: sampleRate)
        }
        // Input frames per instant where input and output sample grids meet.
        let step = inputRate / Self.gcd(inputRate, sampleRate)
        let startFrame = Int((max(0, start) * Double(inputRate) / Double(step)).rounded()) * step
        let endFrame = duration.map { startFrame + max(0, Int(($0 * Double(inputRate)).rounded())) }
        // Enough lead-in for the resampling filter to settle (libsoxr HQ needs a few ms).
        let wantedMargin = inputRate == sampleRate ? 0 : ((inputRate / 10 + step - 1) / step) * step
        let margin = min(wantedMargin, startFrame)
        let tail = wantedMargin

        try profile.measure(.decode) { () throws(DecodeError) in try decoder.seek(toFrame: startFrame - margin) }
        var position = startFrame - margin
        let chunk = 16384
        // Decoded chunks and their down-mix, written in place (never zero-filled first).
        let interleaved = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunk * channelCount)
        defer { interleaved.deallocate() }
        let mono = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunk)
        defer { mono.deallocate() }
        // The output is allocated for the whole span up front and the resampler writes into
        // it in place: no regrowing (and page-faulting) a multi-megabyte array, no copy per
        // chunk. A stream longer than expected continues in the resampler's overflow.
        let expectedFrames = (endFrame ?? decoder.frameCount ?? 0) - (startFrame - margin) + tail
        let capacity = resampler.outputLength(forInput: max(0, expectedFrames)) + 1024
        let stopFrame = endFrame.map { $0 + tail }
        var overflow: [Float] = []
        var output = try [Float](unsafeUninitializedCapacity: capacity) { (storage, initialized) throws(DecodeError) in
            var resampled = ResampledOutput(storage: storage)
            defer {
                initialized = resampled.stored
                overflow = resampled.overflow
            }
            while stopFrame.map({ position < $0 }) ?? true {
                let want = stopFrame.map { min(chunk, $0 - position) } ?? chunk
                let got = try profile.measure(.decode) { () throws(DecodeError) in
                    try decoder.read(into: interleaved, maxFrames: want)
                }
                if got == 0 { break }
                if let native {
                    let spanStart = max(position, startFrame) - position
                    let spanEnd = min(position + got, endFrame ?? Int.max) - position
                    if spanEnd > spanStart {
                        profile.measure(.features) {
                            native.consume(UnsafeBufferPointer(rebasing: interleaved[(spanStart * channelCount)..<(spanEnd * channelCount)]),
                                           channels: channelCount, sampleRate: inputRate)
                        }
                    }
                }
                profile.measure(.resample) {
                    let frames = Self.downmix(UnsafeBufferPointer(interleaved), channels: channelCount, frames: got, into: mono)
                    resampler.process(frames, into: &resampled)
                }
                position += got
            }
            profile.measure(.resample) { resampler.flush(into: &resampled) }
        }
        if !overflow.isEmpty { output.append(contentsOf: overflow) }

        let coveredFrames = max(0, min(position, endFrame ?? Int.max) - startFrame)
        let skip = margin / step * (sampleRate / Self.gcd(inputRate, sampleRate))
        let length = resampler.outputLength(forInput: coveredFrames)
        if output.count < skip + length {
            output.append(contentsOf: repeatElement(0, count: skip + length - output.count))
        }
        output.removeLast(output.count - (skip + length))
        if skip > 0 { output.removeFirst(skip) }
        return output
    }

    /// Mean of the channels, frame by frame (librosa's `to_mono`), into the start of `mono`;
    /// returns the `frames` values written (the input itself for one channel).
    private static func downmix(_ interleaved: UnsafeBufferPointer<Float>, channels: Int, frames: Int,
                                into mono: UnsafeMutableBufferPointer<Float>) -> UnsafeBufferPointer<Float> {
        if channels == 1 { return UnsafeBufferPointer(rebasing: interleaved[0..<frames]) }
        let divisor = Float(channels)
        let source = interleaved.baseAddress!, target = mono.baseAddress!
        // The sum starts at 0 and adds the channels in order.
        if channels == 2 {
            // Halving is exact in binary floating point: x * 0.5 is x / 2, without a division.
            for frame in 0..<frames {
                target[frame] = (0 + source[2 * frame] + source[2 * frame + 1]) * 0.5
            }
        } else {
            for frame in 0..<frames {
                var sum: Float = 0
                let base = frame * channels
                for channel in 0..<channels { sum += source[base + channel] }
                target[frame] = sum / divisor
            }
        }
        return UnsafeBufferPointer(rebasing: mono[0..<frames])
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    private static func openDecoder(path: String, format: AudioFormat) throws(DecodeError) -> any AudioDecoder {
        switch format {
        case .mp3:
            return try MPG123Decoder(path: path)
        case .flac, .wav, .aiff, .oggVorbis, .opus, .oggFlac:
            do {
                return try SndFileDecoder(path: path)
            } catch {
                // WAV/AIFF variants libsndfile lacks (e.g. MP3 in WAV) may still decode.
                if let fallback = try? FFmpegDecoder(path: path) { return fallback }
                throw error
            }
        case .mp4, .asf, .wavPack, .ape, .musepack, .trueAudio, .speex:
            return try FFmpegDecoder(path: path)
        }
    }
}
