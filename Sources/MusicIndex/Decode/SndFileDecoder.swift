import Glibc
internal import SndFileSystem

/// FLAC, WAV, AIFF, Ogg Vorbis, Ogg FLAC and Opus through libsndfile: the one owner of a
/// `SNDFILE*`.
///
/// The file is opened with `SFM_READ` only. Integer PCM comes out scaled to -1...1 by
/// libsndfile; float files pass through unchanged.
///
/// A truncated file still declares its whole length (FLAC's STREAMINFO, a WAV data chunk),
/// and libsndfile cannot seek past the cut. When opening a FLAC file, its last frame header is
/// read from the end of the file (`FLACTail`): when it ends where STREAMINFO says, the file is
/// whole. Otherwise (and for the other formats) the last declared frame is sought
/// (on a second handle); if that fails, the readable length is found by bisection over seeks
/// (a few dozen, each a short read), and `frameCount` is that length, so analysis windows fall
/// on audio that exists.
final class SndFileDecoder: AudioDecoder {
    let backend = "libsndfile"
    let sampleRate: Int
    let channels: Int
    let frameCount: Int?
    let declaredFrameCount: Int?
    let skippedFrames = 0
    private let file: OpaquePointer
    private var position = 0

    init(path: String) throws(DecodeError) {
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw DecodeError(.unsupported, "libsndfile cannot read it: \(String(cString: sf_strerror(nil)))")
        }
        guard info.samplerate > 0, info.channels > 0 else {
            sf_close(file)
            throw DecodeError(.corrupt, "libsndfile reports no sample rate or channels")
        }
        self.file = file
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        // Some streams (Ogg without a final granule, for one) report no length.
        let declared = info.frames > 0 && info.frames < Int64(Int32.max) * 1024 ? Int(info.frames) : nil
        declaredFrameCount = declared
        let isFLAC = info.format & Int32(SF_FORMAT_TYPEMASK) == Int32(SF_FORMAT_FLAC)
        frameCount = declared.map { declared in
            isFLAC && FLACTail.reachesEnd(path: path, declaredFrames: declared)
                ? declared : Self.readableFrames(path: path, declared: declared)
        }
    }

    /// The number of frames up to the last one libsndfile can seek to (`declared` when the
    /// last declared frame is reachable). A failed seek can leave a handle unusable, so the
    /// probing runs on handles of its own, opened again after each failure.
    private static func readableFrames(path: String, declared: Int) -> Int {
        var probe: OpaquePointer?
        defer { if let probe { sf_close(probe) } }
        func reachable(_ frame: Int) -> Bool {
            if probe == nil {
                var info = SF_INFO()
                probe = sf_open(path, Int32(SFM_READ), &info)
            }
            guard let handle = probe else { return false }
            if sf_seek(handle, sf_count_t(frame), SEEK_SET) >= 0 { return true }
            sf_close(handle)
            probe = nil
            return false
        }
        if reachable(declared - 1) { return declared }
        // Invariant: `low` is reachable (or 0), `high` is not.
        var low = 0, high = declared - 1
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if reachable(middle) { low = middle } else { high = middle }
        }
        return reachable(low) ? low + 1 : 0
    }

    deinit { sf_close(file) }

    func seek(toFrame frame: Int) throws(DecodeError) {
        let target = max(0, frame)
        if let total = frameCount, target >= total {
            position = total
            _ = sf_seek(file, sf_count_t(total), SEEK_SET)
            return
        }
        let result = sf_seek(file, sf_count_t(target), SEEK_SET)
        guard result >= 0 else {
            throw DecodeError(.corrupt, "libsndfile cannot seek to frame \(target): \(String(cString: sf_strerror(file)))")
        }
        position = Int(result)
    }

    func read(into buffer: UnsafeMutableBufferPointer<Float>, maxFrames: Int) throws(DecodeError) -> Int {
        if maxFrames <= 0 { return 0 }
        precondition(buffer.count >= maxFrames * channels, "read buffer too small")
        let frames = Int(sf_readf_float(file, buffer.baseAddress!, sf_count_t(maxFrames)))
        if frames <= 0 {
            let code = sf_error(file)
            if code != 0 {
                throw DecodeError(.corrupt, "libsndfile stopped decoding: \(String(cString: sf_strerror(file)))")
            }
            return 0
        }
        position += frames
        return frames
    }
}
