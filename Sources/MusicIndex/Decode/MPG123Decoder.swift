import Glibc
internal import MPG123System

/// MPEG audio (MP1/MP2/MP3) through libmpg123: the one owner of an `mpg123_handle`.
///
/// Output is 32-bit float at the stream's own rate and channel count. Gapless decoding is on,
/// so the LAME/Xing encoder delay and padding are removed and a track decodes to exactly
/// its recorded sample count. Damaged data is skipped: libmpg123 resynchronises on the next
/// valid frame header for as far as it has to (`MPG123_RESYNC_LIMIT` -1).
///
/// A file with a LAME tag (a Xing/Info header carrying the encoder's delay, so its frame
/// count is exact) is checked against it when opened: libmpg123 parses every
/// frame header (no decoding; one sequential read of the file) and the frames actually there
/// are compared with the count the encoder wrote. Frames lost to truncation or to junk in the
/// middle count as skipped, and `frameCount` is the readable length, so analysis windows fall
/// on audio that exists; junk after the last frame that happens to parse as frames counts as
/// skipped too and is not decoded (the stream ends at the declared length).
final class MPG123Decoder: AudioDecoder {
    let backend = "libmpg123"
    let sampleRate: Int
    let channels: Int
    private(set) var skippedFrames = 0
    /// Frames that parsed beyond the declared end (junk appended to the file).
    private(set) var trailingJunkFrames = 0
    private let handle: OpaquePointer
    private let path: String
    private var atEnd = false
    /// Frame index of the next sample `read` returns, and the exact length a LAME/Xing
    /// header declared (nil without one).
    private var position = 0
    private let declaredFrames: Int?
    /// The readable length in samples, measured by parsing the whole stream (nil without a
    /// LAME tag, where there is nothing to compare it with).
    private let readableFrames: Int?

    init(path: String) throws(DecodeError) {
        var error: Int32 = 0
        guard let handle = mpg123_new(nil, &error) else {
            throw DecodeError(.io, "libmpg123 could not start: \(Self.message(error))")
        }
        self.handle = handle
        self.path = path
        // Quiet, gapless, resync through any amount of junk; float output only.
        let flags = Int(MPG123_QUIET.rawValue | MPG123_GAPLESS.rawValue)
        mpg123_param2(handle, Int32(MPG123_ADD_FLAGS.rawValue), flags, 0)
        mpg123_param2(handle, Int32(MPG123_RESYNC_LIMIT.rawValue), -1, 0)
        mpg123_format_none(handle)
        for rate in [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] {
            mpg123_format(handle, rate, Int32(MPG123_MONO.rawValue | MPG123_STEREO.rawValue),
                          Int32(MPG123_ENC_FLOAT_32.rawValue))
        }
        // libmpg123 reads through our buffered, read-only source: its own reader asks the
        // kernel for every frame separately (thousands of small reads per track).
        let source: BufferedSource
        do {
            source = try BufferedSource(path: path)
        } catch {
            mpg123_delete(handle)
            throw DecodeError(.io, "cannot read the file: \(String(cString: strerror(error.code)))")
        }
        mpg123_replace_reader_handle(handle, bufferedRead, bufferedSeek, bufferedRelease)
        guard mpg123_open_handle(handle, Unmanaged.passRetained(source).toOpaque()) == MPG123_OK.rawValue else {
            let reason = String(cString: mpg123_strerror(handle))
            mpg123_delete(handle)
            throw DecodeError(.io, "libmpg123 cannot open the file: \(reason)")
        }
        var rate = 0
        var channelCount: Int32 = 0
        var encoding: Int32 = 0
        guard mpg123_getformat(handle, &rate, &channelCount, &encoding) == MPG123_OK.rawValue,
              rate > 0, channelCount > 0
        else {
            let reason = String(cString: mpg123_strerror(handle))
            mpg123_close(handle)
            mpg123_delete(handle)
            throw DecodeError(.corrupt, "no decodable MPEG audio frame: \(reason)")
        }
        sampleRate = rate
        channels = Int(channelCount)
        // Only a LAME/Xing frame count is exact; a size-based estimate cannot tell missing
        // audio from a wrong guess. libmpg123 calls positions "accurate" for estimates too,
        // so the LAME tag's encoder delay (-1 without one) is the proof of a count.
        var accurate = 0
        var encoderDelay = 0
        var unused = 0.0
        mpg123_getstate2(handle, Int32(MPG123_ACCURATE.rawValue), &accurate, &unused)
        mpg123_getstate2(handle, Int32(MPG123_ENC_DELAY.rawValue), &encoderDelay, &unused)
        let length = mpg123_length(handle)
        declaredFrames = accurate != 0 && encoderDelay >= 0 && length > 0 ? Int(length) : nil
        if let declared = declaredFrames, mpg123_scan(handle) == MPG123_OK.rawValue, mpg123_length(handle) > 0 {
            let found = Int(mpg123_length(handle))
            let samplesPerFrame = max(1, Int(mpg123_spf(handle)))
            readableFrames = min(found, declared)
            trailingJunkFrames = max(0, found - declared) / samplesPerFrame
            skippedFrames = max(0, declared - found) / samplesPerFrame + trailingJunkFrames
        } else {
            readableFrames = nil
        }
    }

    deinit {
        mpg123_close(handle)
        mpg123_delete(handle)
    }

    /// The frame count from the LAME/Xing header (exact, gapless) when the file has one; else
    /// libmpg123's estimate from the file size and the first frame's bitrate (exact for
    /// CBR). No extra pass over the file: the exact count of a headerless VBR file is known
    /// only once it has been decoded.
    var frameCount: Int? {
        if let readableFrames { return readableFrames }
        let length = mpg123_length(handle)
        return length > 0 ? Int(length) : nil
    }

    /// The LAME/Xing header's length; nil without one (a size-based estimate declares nothing).
    var declaredFrameCount: Int? { declaredFrames }

    func seek(toFrame frame: Int) throws(DecodeError) {
        let result = mpg123_seek(handle, off_t(max(0, frame)), SEEK_SET)
        if result < 0 {
            // Seeking past the end fails in libmpg123; that is "at the end" here.
            if let total = frameCount, frame >= total {
                atEnd = true
                return
            }
            throw DecodeError(.corrupt, "libmpg123 cannot seek to frame \(frame): \(String(cString: mpg123_strerror(handle)))")
        }
        atEnd = false
        position = max(0, frame)
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>, maxFrames: Int) throws(DecodeError) -> Int {
        if atEnd || maxFrames <= 0 { return 0 }
        // Junk after the declared end is not audio, even where it parses as frames.
        let limit = trailingJunkFrames > 0 ? (declaredFrames ?? Int.max) - position : Int.max
        if limit <= 0 {
            atEnd = true
            return 0
        }
        let wanted = min(maxFrames, limit) * channels
        precondition(buffer.count >= wanted, "read buffer too small")
        var filled = 0
        var failure: DecodeError?
        var idleReads = 0
        // Decode straight into the caller's buffer.
        do {
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            let byteCount = wanted * MemoryLayout<Float>.size
            while filled < byteCount {
                var done = 0
                let result = mpg123_read(handle, base.advanced(by: filled), byteCount - filled, &done)
                filled += done
                if result == MPG123_OK.rawValue || result == MPG123_NEW_FORMAT.rawValue {
                    // A call that yields nothing again and again means the stream is stuck.
                    idleReads = done == 0 ? idleReads + 1 : 0
                    if idleReads > 64 {
                        atEnd = true
                        break
                    }
                    continue
                }
                if result == MPG123_DONE.rawValue {
                    atEnd = true
                    break
                }
                if result == MPG123_NEED_MORE.rawValue {
                    atEnd = true
                    break
                }
                failure = DecodeError(.corrupt, "libmpg123 stopped decoding: \(String(cString: mpg123_strerror(handle)))")
                break
            }
        }
        let frames = filled / (MemoryLayout<Float>.size * channels)
        if let failure, frames == 0 { throw failure }
        if failure != nil {
            // Keep what decoded; the damage ends the stream here.
            skippedFrames += 1
            atEnd = true
        }
        position += frames
        if atEnd { countLostFrames() }
        return frames
    }

    /// libmpg123 resynchronises silently past damaged data, so damage shows as audio missing
    /// at the end: the frames the LAME/Xing header declared but the stream did not deliver,
    /// in MPEG frames (1152 or 576 samples), count as skipped (a truncated file counts its
    /// missing tail). Files without the header report no count.
    private func countLostFrames() {
        guard let declared = declaredFrames else { return }
        let samplesPerFrame = max(1, Int(mpg123_spf(handle)))
        let missing = declared - position
        if missing >= samplesPerFrame {
            skippedFrames = max(skippedFrames, missing / samplesPerFrame)
        }
    }

    private static func message(_ code: Int32) -> String {
        String(cString: mpg123_plain_strerror(code))
    }
}

/// A file read through a 64 KiB buffer, for libmpg123's reader callbacks. Opened read-only.
private final class BufferedSource {
    private let file: ReadOnlyFile
    private let size: Int
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var position = 0

    init(path: String) throws(FileOpenError) {
        file = try ReadOnlyFile(path: path, access: .sequential)
        size = Int(file.size)
    }

    func read(into destination: UnsafeMutableRawPointer, count: Int) -> Int {
        var copied = 0
        while copied < count && position < size {
            if position < bufferStart || position >= bufferStart + buffer.count {
                guard let bytes = try? file.read(at: Int64(position), count: 65536) else { return copied > 0 ? copied : -1 }
                if bytes.isEmpty { break }
                buffer = bytes
                bufferStart = position
            }
            let offset = position - bufferStart
            let take = min(count - copied, buffer.count - offset)
            buffer.withUnsafeBytes { (destination + copied).copyMemory(from: $0.baseAddress! + offset, byteCount: take) }
            copied += take
            position += take
        }
        return copied
    }

    func seek(_ offset: Int, whence: Int32) -> Int {
        let target: Int
        switch whence {
        case SEEK_SET: target = offset
        case SEEK_CUR: target = position + offset
        case SEEK_END: target = size + offset
        default: return -1
        }
        guard target >= 0 else { return -1 }
        position = target
        return target
    }
}

private func bufferedRead(_ handle: UnsafeMutableRawPointer?, _ destination: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    guard let handle, let destination else { return -1 }
    return Unmanaged<BufferedSource>.fromOpaque(handle).takeUnretainedValue().read(into: destination, count: count)
}

private func bufferedSeek(_ handle: UnsafeMutableRawPointer?, _ offset: off_t, _ whence: Int32) -> off_t {
    guard let handle else { return -1 }
    return off_t(Unmanaged<BufferedSource>.fromOpaque(handle).takeUnretainedValue().seek(Int(offset), whence: whence))
}

private func bufferedRelease(_ handle: UnsafeMutableRawPointer?) {
    guard let handle else { return }
    Unmanaged<BufferedSource>.fromOpaque(handle).release()
}
