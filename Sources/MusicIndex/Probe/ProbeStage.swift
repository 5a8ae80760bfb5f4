/// Decides what a file is by content and where its audio payload lies (see `AudioPayload`).
struct ProbeStage: ScanStage {
    /// Extensions that claim a file is audio: such a file that is not gets a stored failure;
    /// a non-audio file with another name is simply not part of the library.
    static let audioExtensions: Set<String> = [
        "mp3", "mp2", "mp1", "mpga", "flac", "fla", "ogg", "oga", "opus", "spx", "m4a", "m4b", "m4p",
        "mp4", "aac", "alac", "wav", "wave", "aif", "aiff", "aifc", "wma", "asf", "wv", "ape", "mpc",
        "mp+", "mpp", "tta", "dsf", "dff", "amr", "ac3", "dts", "mka", "weba", "webm",
    ]

    func run(_ draft: inout TrackDraft, file: ReadOnlyFile, profile: inout StageProfile) throws(StageFailure) {
        try profile.measure(.probe) { () throws(StageFailure) in try probe(&draft, file: file) }
    }

    private func probe(_ draft: inout TrackDraft, file: ReadOnlyFile) throws(StageFailure) {
        let claimsAudio = Self.audioExtensions.contains(draft.file.fileExtension)
        let kind: ContentKind
        let tagEnd: Int64
        do {
            tagEnd = try ID3v2.declaredEndOfLeadingTags(in: file)
            kind = try ContentSniffer.kind(of: file, fileExtension: draft.file.fileExtension)
        } catch {
            throw StageFailure(.open, "read error: \(error.message)")
        }
        // A tag that claims more bytes than the file has hides where the audio starts;
        // neither TagLib nor libmpg123 reads past it.
        if tagEnd > file.size {
            throw StageFailure(.probe, "corrupt ID3v2 tag: its size field says the tags end at byte \(tagEnd), "
                               + "past the end of the file (\(file.size) bytes)", ignorable: !claimsAudio)
        }
        switch kind {
        case .empty:
            throw StageFailure(.probe, "empty file (0 bytes)", ignorable: !claimsAudio)
        case .notAudio(let what):
            throw StageFailure(.probe, "not an audio file: the content is \(what)", ignorable: !claimsAudio)
        case .unsupported(let what):
            throw StageFailure(.probe, "unsupported audio format: \(what)")
        case .audio(let format):
            draft.format = format
            do {
                let payload = try AudioPayload.locate(in: file, format: format)
                guard payload.length > 0 else {
                    throw StageFailure(.probe, "corrupt \(format.displayName) file: no audio data after the tags")
                }
                draft.payload = payload
            } catch let error as FileOpenError {
                throw StageFailure(.open, "read error: \(error.message)")
            } catch let failure as StageFailure {
                throw failure
            } catch {
                throw StageFailure(.probe, "\(error)")
            }
        }
    }
}

extension AudioFormat {
    /// The name users know the format by, for messages.
    public var displayName: String {
        switch self {
        case .mp3: "MP3"
        case .flac: "FLAC"
        case .oggVorbis: "Ogg Vorbis"
        case .opus: "Opus"
        case .oggFlac: "Ogg FLAC"
        case .speex: "Speex"
        case .mp4: "MP4/M4A"
        case .wav: "WAV"
        case .aiff: "AIFF"
        case .asf: "WMA"
        case .wavPack: "WavPack"
        case .ape: "Monkey's Audio"
        case .musepack: "Musepack"
        case .trueAudio: "TTA"
        }
    }
}
