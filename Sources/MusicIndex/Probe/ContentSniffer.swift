/// Decides what a file is from its content, not its name: audio signatures (after any
/// leading ID3v2 tags) for the formats TagLib and the decoders read, and a few common
/// non-audio signatures so a failure can say what the file looks like instead.
enum ContentSniffer {
    /// Bytes read from the start of the audio for sniffing; MPEG audio preceded by junk
    /// gets a second, longer look (`searchLength`).
    static let headLength = 4 * 1024
    static let searchLength = 64 * 1024

    /// File extensions of files that are never audio; the walker skips them unopened.
    static let nonAudioExtensions: Set<String> = [
        "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "heic", "ico", "svg",
        "txt", "nfo", "log", "cue", "m3u", "m3u8", "pls", "xspf", "md", "rtf", "pdf", "doc",
        "htm", "html", "xml", "json", "ini", "db", "sqlite", "lrc", "sfv", "md5", "ffp", "accurip",
        "zip", "rar", "7z", "gz", "tar", "par2", "torrent", "url", "ds_store", "exe", "dll",
        "mp4v", "mkv", "avi", "mov", "wmv",
    ]

    /// Extensions under which MPEG audio may start after some junk (so the sync search
    /// looks further than the first bytes).
    static let mpegExtensions: Set<String> = ["mp3", "mp2", "mp1", "mpga", "mpeg"]

    /// Sniffs an open file: skips leading ID3v2 tags (however large), then looks at the
    /// first bytes of what follows.
    static func kind(of file: ReadOnlyFile, fileExtension: String) throws(FileOpenError) -> ContentKind {
        guard file.size > 0 else { return .empty }
        let start = try ID3v2.endOfLeadingTags(in: file)
        let afterTags = try file.read(at: start, count: headLength)
        let head = start == 0 ? afterTags : try file.read(at: 0, count: headLength)
        let first = kind(head: head, afterTags: afterTags, hadID3: start > 0, fileExtension: fileExtension)
        let mayBeMPEG = start > 0 || mpegExtensions.contains(fileExtension)
        guard case .notAudio = first, mayBeMPEG, file.size - start > Int64(headLength) else { return first }
        let longer = try file.read(at: start, count: searchLength)
        return kind(head: head, afterTags: longer, hadID3: start > 0, fileExtension: fileExtension)
    }

    /// Sniffs from the file's first bytes (`head`) and the first bytes after any leading
    /// ID3v2 tags (`afterTags`).
    static func kind(head: [UInt8], afterTags: [UInt8], hadID3: Bool, fileExtension: String) -> ContentKind {
        guard !head.isEmpty else { return .empty }
        if afterTags.starts(with: Array("fLaC".utf8)) { return .audio(.flac) }
        if afterTags.starts(with: Array("OggS".utf8)) { return oggKind(afterTags) }
        if afterTags.count >= 12, afterTags.starts(with: Array("RIFF".utf8)) {
            let type = String(decoding: afterTags[8..<12], as: UTF8.self)
            if type == "WAVE" { return .audio(.wav) }
            return .notAudio("a RIFF \(type.trimmingCharacters()) file")
        }
        if afterTags.count >= 12, afterTags.starts(with: Array("FORM".utf8)) {
            let type = String(decoding: afterTags[8..<12], as: UTF8.self)
            if type == "AIFF" || type == "AIFC" { return .audio(.aiff) }
            return .notAudio("an IFF \(type.trimmingCharacters()) file")
        }
        if afterTags.count >= 12, afterTags[4..<8].elementsEqual("ftyp".utf8) {
            return mp4Kind(afterTags)
        }
        if afterTags.starts(with: Array("wvpk".utf8)) { return .audio(.wavPack) }
        if afterTags.starts(with: Array("MAC ".utf8)) { return .audio(.ape) }
        if afterTags.starts(with: Array("MPCK".utf8)) || afterTags.starts(with: Array("MP+".utf8)) {
            return .audio(.musepack)
        }
        if afterTags.starts(with: Array("TTA1".utf8)) { return .audio(.trueAudio) }
        if afterTags.starts(with: [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) { return .audio(.asf) }
        if afterTags.starts(with: Array("DSD ".utf8)) { return .unsupported("a DSF (DSD) stream") }
        if afterTags.starts(with: Array("#!AMR".utf8)) { return .unsupported("an AMR stream") }

        // MPEG audio: frames must follow each other at the lengths their headers give.
        let searchLength = hadID3 || mpegExtensions.contains(fileExtension) ? afterTags.count : 1
        if MPEGFrame.findStream(in: afterTags, searchLength: searchLength, requiredFrames: hadID3 ? 2 : 3) != nil {
            return .audio(.mp3)
        }
        if MPEGFrame.isADTS(afterTags) { return .unsupported("a raw AAC (ADTS) stream") }
        if hadID3 {
            return afterTags.isEmpty || afterTags.allSatisfy({ $0 == 0 })
                ? .notAudio("an ID3 tag with no audio after it")
                : .notAudio("an ID3 tag followed by no recognisable audio frames")
        }
        return .notAudio(describeNonAudio(head))
    }

    private static func oggKind(_ bytes: [UInt8]) -> ContentKind {
        // The first page's first packet names the codec.
        guard bytes.count >= 28 else { return .notAudio("a truncated Ogg page") }
        let segments = Int(bytes[26])
        let body = 27 + segments
        guard bytes.count > body else { return .notAudio("a truncated Ogg page") }
        let packet = bytes[body...]
        func has(_ signature: [UInt8]) -> Bool { packet.starts(with: signature) }
        if has([0x01] + Array("vorbis".utf8)) { return .audio(.oggVorbis) }
        if has(Array("OpusHead".utf8)) { return .audio(.opus) }
        if has([0x7F] + Array("FLAC".utf8)) { return .audio(.oggFlac) }
        if has(Array("Speex   ".utf8)) { return .audio(.speex) }
        if has([0x80] + Array("theora".utf8)) { return .notAudio("an Ogg Theora video") }
        return .unsupported("an Ogg stream with an unknown codec")
    }

    private static func mp4Kind(_ bytes: [UInt8]) -> ContentKind {
        let brand = String(decoding: bytes[8..<12], as: UTF8.self)
        switch brand {
        case "heic", "heix", "mif1", "avif": return .notAudio("a HEIF/AVIF image")
        case "qt  ": return .notAudio("a QuickTime movie")
        default: return .audio(.mp4)
        }
    }

    /// A short description of a non-audio file for failure reasons.
    static func describeNonAudio(_ head: [UInt8]) -> String {
        func has(_ signature: [UInt8]) -> Bool { head.starts(with: signature) }
        if has([0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
        if has([0x89] + Array("PNG".utf8)) { return "a PNG image" }
        if has(Array("GIF8".utf8)) { return "a GIF image" }
        if has(Array("%PDF".utf8)) { return "a PDF document" }
        if has(Array("PK".utf8) + [3, 4]) { return "a ZIP archive" }
        if has(Array("Rar!".utf8)) { return "a RAR archive" }
        if has([0x1F, 0x8B]) { return "a gzip archive" }
        if has([0x1A, 0x45, 0xDF, 0xA3]) { return "a Matroska/WebM file" }
        if has(Array("SQLite format 3".utf8)) { return "an SQLite database" }
        if has([0x7F] + Array("ELF".utf8)) { return "an executable" }
        if head.allSatisfy({ $0 == 0 }) { return "only zero bytes" }
        let sample = head.prefix(4096)
        if String(validating: sample, as: UTF8.self) != nil || sample.count == 4096,
           sample.allSatisfy({ $0 >= 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            return "plain text"
        }
        let first = head.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
        return "unrecognised content (starts with \(first))"
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        String(unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F })
    }
}
