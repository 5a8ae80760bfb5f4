/// The audio container formats musicindex recognises, decided by a file's content.
public enum AudioFormat: String, Sendable, CaseIterable, Codable {
    case mp3
    case flac
    case oggVorbis = "ogg"
    case opus
    case oggFlac = "oggflac"
    case speex
    case mp4 = "m4a"
    case wav
    case aiff
    case asf = "wma"
    case wavPack = "wavpack"
    case ape
    case musepack = "mpc"
    case trueAudio = "tta"

    /// Whether the format is carried in Ogg pages.
    var isOgg: Bool {
        switch self {
        case .oggVorbis, .opus, .oggFlac, .speex: true
        default: false
        }
    }
}

/// What a file's first bytes say it is.
enum ContentKind: Equatable {
    case audio(AudioFormat)
    /// Not audio; the text names what it looks like ("a JPEG image", "plain text").
    case notAudio(String)
    /// Audio this version cannot read ("raw AAC (ADTS) stream").
    case unsupported(String)
    case empty
}
