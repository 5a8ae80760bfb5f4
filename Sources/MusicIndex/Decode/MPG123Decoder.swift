import Glibc
internal import MPG123System

/// MPEG audio (MP1/MP2/MP3) through libmpg123: the one owner of an `mpg123_handle`.
///
/// Output is 32-bit float at the stream's own rate and channel count. Gapless decoding is on,
/// so the LAME/Xing encoder delay and padding are removed and a track decodes to exactly
/// its recorded sample count. Damaged data is skipped: libmpg123 resynchronises on the next
/// valid frame header for as far as it has to (`MPG123_RESYNC_LIMIT` -1).
final class MPG123Decoder: AudioDecoder {
    let backend = "libmpg123"
    let sampleRate: Int
    let channels: Int
    private(set) var skippedFrames = 0
    private let handle: OpaquePointer
    private let path: String
    private var scanned = false
    private var atEnd = false

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
        // mpg123_open opens the file read-only.
        guard mpg123_open(handle, path) == MPG123_OK.rawValue else {
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
    }

    deinit {
        mpg123_close(handle)
        mpg123_delete(handle)
    }

    /// The exact frame count: a header-only pass over the file (no decoding) the first time,
    /// which also builds the seek index, so VBR files without a Xing table are exact too.
    var frameCount: Int? {
        if !scanned {
            scanned = true
            let position = mpg123_tell(handle)
            if mpg123_scan(handle) == MPG123_OK.rawValue, position > 0 {
                mpg123_seek(handle, position, SEEK_SET)
            }
        }
        let length = mpg123_length(handle)
        return length >= 0 ? Int(length) : nil
    }

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
    }

    func read(appendingTo buffer: inout [Float], maxFrames: Int) throws(DecodeError) -> Int {
        if atEnd || maxFrames <= 0 { return 0 }
        let start = buffer.count
        let wanted = maxFrames * channels
        var filled = 0
        var failure: DecodeError?
        var idleReads = 0
        // Decode straight into the caller's array; grow it first, shrink to what was decoded.
        buffer.append(contentsOf: repeatElement(0, count: wanted))
        buffer.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!.advanced(by: start * MemoryLayout<Float>.size)
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
        buffer.removeLast(wanted - frames * channels)
        if let failure, frames == 0 { throw failure }
        if failure != nil {
            // Keep what decoded; the damage ends the stream here.
            skippedFrames += 1
            atEnd = true
        }
        return frames
    }

    private static func message(_ code: Int32) -> String {
        String(cString: mpg123_plain_strerror(code))
    }
}
