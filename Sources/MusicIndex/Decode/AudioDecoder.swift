/// A source of PCM audio at the file's own sample rate and channel count.
///
/// Every decoder opens its file for reading only. Samples come out as interleaved
/// 32-bit floats in -1...1 (a decoder converts integer formats itself). A decoder is used by
/// one thread at a time; different decoders may run in parallel.
protocol AudioDecoder: AnyObject {
    /// The library doing the work, for messages ("libmpg123", "libsndfile", "FFmpeg").
    var backend: String { get }
    /// Frames per second of the decoded stream.
    var sampleRate: Int { get }
    /// Interleaved channels per frame (at least 1).
    var channels: Int { get }
    /// Total frames in the stream when the container or a scan of it says so, else nil. For
    /// a file found to be truncated or damaged, the frames that can actually be read.
    var frameCount: Int? { get }
    /// The length the file's headers declare, when known; more than `frameCount` when part
    /// of the stream is missing.
    var declaredFrameCount: Int? { get }
    /// Damaged frames the decoder skipped so far (resynchronised past).
    var skippedFrames: Int { get }

    /// Moves to the given frame (0-based, at `sampleRate`), so that the next `read` starts
    /// exactly there. Seeking past the end leaves the decoder at the end.
    func seek(toFrame frame: Int) throws(DecodeError)

    /// Decodes up to `maxFrames` frames into the start of `buffer` (which holds at least
    /// `maxFrames * channels` samples), `frames * channels` interleaved samples. Returns the
    /// number of frames written; 0 only at the end of the stream. The caller's buffer is
    /// written, never zero-filled first.
    func read(into buffer: UnsafeMutableBufferPointer<Float>, maxFrames: Int) throws(DecodeError) -> Int
}

extension AudioDecoder {
    var declaredFrameCount: Int? { frameCount }
}

/// Why a file could not be decoded. The reason is specific and written for the user.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// No decoder accepts the content (unknown or unsupported codec).
        case unsupported
        /// The stream is damaged beyond what the decoder can skip.
        case corrupt
        /// The file could not be opened or read.
        case io
        /// The stream decodes but holds no audio frames.
        case empty
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}
