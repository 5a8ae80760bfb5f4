internal import CTagLib

/// Reads tags and audio properties with TagLib. The only Swift importer of the TagLib shim;
/// files are opened read-only.
enum TagReader {
    /// Why TagLib could not read a file.
    enum Failure: Error, Equatable {
        case cannotOpen(String)
        case invalid(String)
        case unsupported(String)
    }

    static func read(path: String, format: AudioFormat) -> Result<RawTags, Failure> {
        var info = mi_tags_info()
        var error = [CChar](repeating: 0, count: 256)
        let status = mi_tags_read(path, Int32(code(for: format)), &info, &error, error.count)
        defer { mi_tags_free(&info) }
        return result(status, info, error)
    }

    /// Reads an open file through its descriptor: no second open, and the bytes the file
    /// already holds in memory (the probe's reads) are not read again.
    static func read(file: ReadOnlyFile, format: AudioFormat) -> Result<RawTags, Failure> {
        var info = mi_tags_info()
        var error = [CChar](repeating: 0, count: 256)
        let status = file.path.withCString { path in
            file.withDescriptor { descriptor, head, tail in
                var source = mi_tags_source(
                    fd: descriptor, path: path, size: file.size, head: head.baseAddress, head_length: head.count,
                    tail: tail.baseAddress, tail_length: tail.count)
                return mi_tags_read_source(&source, Int32(code(for: format)), &info, &error, error.count)
            }
        }
        defer { mi_tags_free(&info) }
        return result(status, info, error)
    }

    private static func result(_ status: Int32, _ info: mi_tags_info, _ error: [CChar]) -> Result<RawTags, Failure> {
        let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch Int(status) {
        case Int(MI_TAGS_OK.rawValue): break
        case Int(MI_TAGS_ERR_OPEN.rawValue): return .failure(.cannotOpen(message))
        case Int(MI_TAGS_ERR_UNSUPPORTED.rawValue): return .failure(.unsupported(message))
        default: return .failure(.invalid(message))
        }
        var properties: [(key: String, value: String)] = []
        properties.reserveCapacity(info.property_count)
        for i in 0..<info.property_count {
            guard let key = info.keys[i], let value = info.values[i] else { continue }
            properties.append((String(cString: key), String(cString: value)))
        }
        return .success(RawTags(
            codec: info.codec.map { String(cString: $0) } ?? "unknown",
            durationMilliseconds: Int(info.length_ms),
            bitrateKbps: Int(info.bitrate_kbps),
            sampleRate: Int(info.sample_rate),
            channels: Int(info.channels),
            bitsPerSample: Int(info.bits_per_sample),
            hasCover: info.has_cover != 0,
            properties: properties
        ))
    }

    private static func code(for format: AudioFormat) -> UInt32 {
        switch format {
        case .mp3: MI_TAGS_MP3.rawValue
        case .flac: MI_TAGS_FLAC.rawValue
        case .oggVorbis: MI_TAGS_OGG_VORBIS.rawValue
        case .opus: MI_TAGS_OGG_OPUS.rawValue
        case .oggFlac: MI_TAGS_OGG_FLAC.rawValue
        case .speex: MI_TAGS_OGG_SPEEX.rawValue
        case .mp4: MI_TAGS_MP4.rawValue
        case .wav: MI_TAGS_WAV.rawValue
        case .aiff: MI_TAGS_AIFF.rawValue
        case .asf: MI_TAGS_ASF.rawValue
        case .wavPack: MI_TAGS_WAVPACK.rawValue
        case .ape: MI_TAGS_APE.rawValue
        case .musepack: MI_TAGS_MPC.rawValue
        case .trueAudio: MI_TAGS_TTA.rawValue
        }
    }
}

/// What TagLib reports for one file, before interpretation.
struct RawTags: Sendable {
    var codec: String
    var durationMilliseconds: Int
    var bitrateKbps: Int
    var sampleRate: Int
    var channels: Int
    var bitsPerSample: Int
    var hasCover: Bool
    /// PropertyMap entries in TagLib's order; a multi-valued key repeats.
    var properties: [(key: String, value: String)]
}
