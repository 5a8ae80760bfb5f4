internal import CFFmpeg

/// FFmpeg's entry points, loaded on first use; nil when FFmpeg cannot be loaded.
private let loadedFFmpeg: musicindex_ffmpeg_api? = musicindex_ffmpeg()?.pointee

/// Everything else a collection holds (MP4 with AAC or ALAC, WMA, WavPack, APE, Musepack,
/// TTA, Speex, and WAV/AIFF codecs libsndfile lacks) through FFmpeg's libavformat and
/// libavcodec: the one owner of an `AVFormatContext` and its decoder.
///
/// The best audio stream is decoded; any sample format is converted to interleaved float.
/// A packet the codec rejects as damaged is skipped and counted. Seeking goes to the
/// nearest key point at least 0.2 s earlier and decodes forward to the exact frame, using
/// the stream's timestamps.
final class FFmpegDecoder: AudioDecoder {
    let backend = "FFmpeg"
    let sampleRate: Int
    let channels: Int
    let frameCount: Int?
    private(set) var skippedFrames = 0

    private let av: musicindex_ffmpeg_api
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>
    private let streamIndex: Int32
    private let timeBase: AVRational
    private let startTime: Int64
    /// Decoded samples not yet handed out (interleaved).
    private var pending = [Float]()
    private var pendingOffset = 0
    /// Frame index of the next sample `read` will return.
    private var position = 0
    /// Frames still to drop after a seek before `position` is reached.
    private var seekTarget: Int?
    private var flushed = false
    private var finished = false

    init(path: String) throws(DecodeError) {
        guard let av = loadedFFmpeg else {
            throw DecodeError(.unsupported, "FFmpeg is not available: \(String(cString: musicindex_ffmpeg_error()))")
        }
        self.av = av
        let opened = try Self.open(path: path, av: av)
        var packet = av.av_packet_alloc()
        var frame = av.av_frame_alloc()
        guard let packet, let frame else {
            av.av_packet_free(&packet)
            av.av_frame_free(&frame)
            var codec: UnsafeMutablePointer<AVCodecContext>? = opened.codec
            av.avcodec_free_context(&codec)
            var format: UnsafeMutablePointer<AVFormatContext>? = opened.format
            av.avformat_close_input(&format)
            throw DecodeError(.io, "FFmpeg could not allocate its packet and frame buffers")
        }
        format = opened.format
        codec = opened.codec
        self.packet = packet
        self.frame = frame
        streamIndex = opened.streamIndex
        let stream = opened.format.pointee.streams[Int(opened.streamIndex)]!
        timeBase = stream.pointee.time_base
        startTime = stream.pointee.start_time == musicindex_av_nopts() ? 0 : stream.pointee.start_time
        sampleRate = Int(opened.codec.pointee.sample_rate)
        channels = Int(opened.codec.pointee.ch_layout.nb_channels)
        if stream.pointee.duration > 0, timeBase.den > 0 {
            frameCount = Int(Double(stream.pointee.duration) * Double(timeBase.num) / Double(timeBase.den) * Double(sampleRate))
        } else if opened.format.pointee.duration > 0 {
            frameCount = Int(Double(opened.format.pointee.duration) / Double(AV_TIME_BASE) * Double(sampleRate))
        } else {
            frameCount = nil
        }
    }

    /// Opens the container and the decoder of its best audio stream, releasing everything
    /// already allocated when a step fails.
    private static func open(path: String, av: musicindex_ffmpeg_api) throws(DecodeError)
        -> (format: UnsafeMutablePointer<AVFormatContext>, codec: UnsafeMutablePointer<AVCodecContext>, streamIndex: Int32)
    {
        var format: UnsafeMutablePointer<AVFormatContext>?
        // avformat_open_input opens the file through the "file" protocol, read-only.
        var result = av.avformat_open_input(&format, path, nil, nil)
        guard result >= 0, format != nil else {
            throw DecodeError(.unsupported, "FFmpeg cannot open it: \(message(result))")
        }
        var codec: UnsafeMutablePointer<AVCodecContext>?
        var success = false
        defer {
            if !success {
                if codec != nil { av.avcodec_free_context(&codec) }
                av.avformat_close_input(&format)
            }
        }
        result = av.avformat_find_stream_info(format, nil)
        guard result >= 0 else {
            throw DecodeError(.corrupt, "FFmpeg cannot read the stream layout: \(message(result))")
        }
        var decoderInfo: UnsafePointer<AVCodec>?
        let index = av.av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoderInfo, 0)
        guard index >= 0, let decoderInfo else {
            throw DecodeError(.unsupported, index == musicindex_averror_decoder_not_found()
                ? "FFmpeg has no decoder for its audio codec" : "no audio stream in the file")
        }
        codec = av.avcodec_alloc_context3(decoderInfo)
        guard let context = codec else { throw DecodeError(.io, "FFmpeg could not allocate a decoder") }
        _ = av.avcodec_parameters_to_context(context, format!.pointee.streams[Int(index)]!.pointee.codecpar)
        result = av.avcodec_open2(context, decoderInfo, nil)
        guard result >= 0 else {
            throw DecodeError(.unsupported, "FFmpeg cannot decode \(String(cString: decoderInfo.pointee.name)): \(message(result))")
        }
        guard context.pointee.sample_rate > 0, context.pointee.ch_layout.nb_channels > 0 else {
            throw DecodeError(.corrupt, "the audio stream declares no sample rate or channels")
        }
        success = true
        return (format!, context, index)
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av.av_packet_free(&packet)
        var frame: UnsafeMutablePointer<AVFrame>? = frame
        av.av_frame_free(&frame)
        if codec != nil { av.avcodec_free_context(&codec) }
        if format != nil { av.avformat_close_input(&format) }
    }

    func seek(toFrame target: Int) throws(DecodeError) {
        let target = max(0, target)
        pending.removeAll(keepingCapacity: true)
        pendingOffset = 0
        flushed = false
        finished = false
        if target == 0 && position == 0 && seekTarget == nil { return }
        // Land a little early: transform codecs (AAC, Vorbis, WMA) need the previous frame's
        // overlap to reproduce the first samples exactly; the extra samples are dropped.
        let preroll = 0.2
        let seconds = max(0, Double(target) / Double(sampleRate) - preroll)
        let timestamp = startTime + Int64(seconds * Double(timeBase.den) / Double(timeBase.num))
        let result = av.av_seek_frame(format, streamIndex, timestamp, AVSEEK_FLAG_BACKWARD)
        guard result >= 0 else {
            throw DecodeError(.corrupt, "FFmpeg cannot seek to \(Double(target) / Double(sampleRate)) s: \(Self.message(result))")
        }
        av.avcodec_flush_buffers(codec)
        position = -1 // unknown until the first decoded frame's timestamp
        seekTarget = target
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>, maxFrames: Int) throws(DecodeError) -> Int {
        precondition(buffer.count >= maxFrames * channels, "read buffer too small")
        var delivered = 0
        while delivered < maxFrames {
            if pendingOffset < pending.count {
                let available = (pending.count - pendingOffset) / channels
                let take = min(available, maxFrames - delivered)
                pending.withUnsafeBufferPointer { source in
                    (buffer.baseAddress! + delivered * channels).update(from: source.baseAddress! + pendingOffset,
                                                                        count: take * channels)
                }
                pendingOffset += take * channels
                delivered += take
                position += take
                continue
            }
            if finished { break }
            try decodeNextFrame()
        }
        return delivered
    }

    /// Decodes one frame into `pending`, dropping samples before a pending seek target.
    private func decodeNextFrame() throws(DecodeError) {
        pending.removeAll(keepingCapacity: true)
        pendingOffset = 0
        while true {
            let received = av.avcodec_receive_frame(codec, frame)
            if received >= 0 {
                defer { av.av_frame_unref(frame) }
                let frameStart = frameStartIndex()
                appendSamples()
                if let target = seekTarget {
                    let start = frameStart ?? target
                    let count = pending.count / channels
                    if start + count <= target {
                        pending.removeAll(keepingCapacity: true)
                        continue
                    }
                    let drop = max(0, target - start)
                    pendingOffset = drop * channels
                    position = start + drop
                    seekTarget = nil
                }
                if pendingOffset < pending.count { return }
                continue
            }
            if received == musicindex_averror_eof() {
                finished = true
                return
            }
            if received != musicindex_averror_again() {
                skippedFrames += 1
                if skippedFrames > 10_000 {
                    throw DecodeError(.corrupt, "FFmpeg could not decode the stream: \(Self.message(received))")
                }
                continue
            }
            // The decoder wants input.
            if flushed {
                finished = true
                return
            }
            let read = av.av_read_frame(format, packet)
            if read < 0 {
                if read != musicindex_averror_eof() && skippedFrames == 0 && position == 0 && seekTarget == nil && pending.isEmpty {
                    // Not even the first packet is readable.
                    throw DecodeError(.corrupt, "FFmpeg cannot read the stream: \(Self.message(read))")
                }
                _ = av.avcodec_send_packet(codec, nil)
                flushed = true
                continue
            }
            defer { av.av_packet_unref(packet) }
            if packet.pointee.stream_index != streamIndex { continue }
            let sent = av.avcodec_send_packet(codec, packet)
            if sent < 0 && sent != musicindex_averror_again() {
                skippedFrames += 1
            }
        }
    }

    /// The track frame index of the current decoded frame's first sample, from its
    /// timestamp; nil when the stream carries none.
    private func frameStartIndex() -> Int? {
        let pts = frame.pointee.best_effort_timestamp
        guard pts != musicindex_av_nopts(), timeBase.den > 0 else { return nil }
        let seconds = Double(pts - startTime) * Double(timeBase.num) / Double(timeBase.den)
        return Int((seconds * Double(sampleRate)).rounded())
    }

    /// Appends the current frame's samples to `pending` as interleaved float.
    private func appendSamples() {
        let count = Int(frame.pointee.nb_samples)
        let frameChannels = Int(frame.pointee.ch_layout.nb_channels)
        guard count > 0, frameChannels == channels else { return }
        let sampleFormat = AVSampleFormat(rawValue: frame.pointee.format)
        let planar = av.av_sample_fmt_is_planar(sampleFormat) != 0
        let base = pending.count
        pending.append(contentsOf: repeatElement(0, count: count * channels))
        pending.withUnsafeMutableBufferPointer { out in
            for channel in 0..<channels {
                let plane = planar ? frame.pointee.extended_data[channel]! : frame.pointee.extended_data[0]!
                let stride = planar ? 1 : channels
                let offset = planar ? 0 : channel
                for index in 0..<count {
                    out[base + index * channels + channel] = Self.sample(plane, at: index * stride + offset, format: sampleFormat)
                }
            }
        }
    }

    private static func sample(_ plane: UnsafeMutablePointer<UInt8>, at index: Int, format: AVSampleFormat) -> Float {
        switch format {
        case AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP:
            return UnsafeRawPointer(plane).load(fromByteOffset: index * 4, as: Float.self)
        case AV_SAMPLE_FMT_DBL, AV_SAMPLE_FMT_DBLP:
            return Float(UnsafeRawPointer(plane).load(fromByteOffset: index * 8, as: Double.self))
        case AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S16P:
            return Float(UnsafeRawPointer(plane).load(fromByteOffset: index * 2, as: Int16.self)) / 32768
        case AV_SAMPLE_FMT_S32, AV_SAMPLE_FMT_S32P:
            return Float(Double(UnsafeRawPointer(plane).load(fromByteOffset: index * 4, as: Int32.self)) / 2_147_483_648)
        case AV_SAMPLE_FMT_S64, AV_SAMPLE_FMT_S64P:
            return Float(Double(UnsafeRawPointer(plane).load(fromByteOffset: index * 8, as: Int64.self)) / 9_223_372_036_854_775_808)
        case AV_SAMPLE_FMT_U8, AV_SAMPLE_FMT_U8P:
            return (Float(plane[index]) - 128) / 128
        default:
            return 0
        }
    }

    private static func message(_ code: Int32) -> String {
        guard let av = loadedFFmpeg else { return "error \(code)" }
        var text = [CChar](repeating: 0, count: 256)
        _ = av.av_strerror(code, &text, text.count)
        let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
