import Glibc
internal import SndFileSystem

/// FLAC, WAV, AIFF, Ogg Vorbis, Ogg FLAC and Opus through libsndfile: the one owner of a
/// `SNDFILE*`.
///
/// The file is opened with `SFM_READ` only. Integer PCM comes out scaled to -1...1 by
/// libsndfile; float files pass through unchanged.
final class SndFileDecoder: AudioDecoder {
    let backend = "libsndfile"
    let sampleRate: Int
    let channels: Int
    let frameCount: Int?
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
        frameCount = info.frames > 0 && info.frames < Int64(Int32.max) * 1024 ? Int(info.frames) : nil
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

    func read(appendingTo buffer: inout [Float], maxFrames: Int) throws(DecodeError) -> Int {
        if maxFrames <= 0 { return 0 }
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: maxFrames * channels))
        let frames = buffer.withUnsafeMutableBufferPointer { pointer in
            Int(sf_readf_float(file, pointer.baseAddress! + start, sf_count_t(maxFrames)))
        }
        buffer.removeLast((maxFrames - max(0, frames)) * channels)
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
